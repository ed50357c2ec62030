// TCP for the core's HTTP server (assembly/host.ts net_*), over the firmware's own
// network stack: EFI TCP4 children of the first network card that gets an address
// by DHCP.
//
// The boot manager starts drivers only for the boot disk (OVMF and most PCs), so the
// network drivers are connected here first, on every PCI device. One TCP4 child
// listens; each connection it accepts is a child of its own (NewChildHandle). Every
// request to the stack is a token with an event; nothing waits on an event: the
// stack's work is driven by Tcp4->Poll() and short Stall()s at TPL_APPLICATION (in
// firmware_call jobs), and a token is done when CheckEvent says so. Time limits use
// timer_us().
//
// Buffers the stack is handed stay ours until it lets go of them: a Transmit token
// completes only once the peer has acknowledged its bytes, so each write is copied
// into a transmit slot of its own and net_write returns at once; a closed connection
// keeps its buffers until its Close completes (or, after CLOSE_US, DestroyChild aborts
// it). All of them are pool memory, in the identity map the network card's DMA uses.
#include <string.h>

#include "firmware.h"

#define MAX_CARDS 8
#define CONNECTIONS 32           // open and closing; the core keeps at most 8 open
#define RX_BYTES (16 * 1024)     // one Receive's buffer
#define TX_SLOTS 16              // writes in flight per connection
#define TX_BYTES 4096            // per slot; longer writes take several
#define POLL_US 1000             // between looks at the stack while waiting
#define DHCP_US (30 * 1000000ull)  // no address by then: no network
#define WRITE_US (30 * 1000000ull) // a peer that takes nothing for this long is gone (as the Node runner)
#define CLOSE_US (5 * 1000000ull)  // a graceful close that takes longer is aborted
#define KEY_POLL_US (100 * 1000)   // between looks at the keyboard while waiting for connections
#define LISTENER 0                // its handle; connection i is i + 1

struct tx_slot {
  EFI_TCP4_IO_TOKEN token;
  EFI_TCP4_TRANSMIT_DATA data;
  bool busy;  // handed to the stack, not completed yet
  uint8_t bytes[TX_BYTES];
};

struct connection {
  enum { FREE, OPEN, CLOSING } state;
  EFI_HANDLE child;
  EFI_TCP4_PROTOCOL *tcp;
  EFI_TCP4_IO_TOKEN rx_token;
  EFI_TCP4_RECEIVE_DATA rx_data;
  bool rx_pending;             // a Receive is with the stack
  uint32_t rx_start, rx_end;   // received bytes not yet read, in rx
  bool ended;                  // the peer closed its side
  bool failed;                 // reset, or a write that did not complete
  EFI_TCP4_CLOSE_TOKEN close_token;
  uint64_t close_deadline;
  struct tx_slot tx[TX_SLOTS];
  uint8_t rx[RX_BYTES];
};

static EFI_SERVICE_BINDING_PROTOCOL *binding;  // the chosen card's TCP4 service binding
static EFI_HANDLE listener_child;
static EFI_TCP4_PROTOCOL *listener;
static EFI_TCP4_LISTEN_TOKEN listen_token;
static bool accept_pending;
static struct connection *connections;  // CONNECTIONS of them, from the pool
static uint64_t last_key_poll;

static bool done(EFI_EVENT event) { return BS->CheckEvent(event) == EFI_SUCCESS; }

static EFI_EVENT new_event(void) {
  EFI_EVENT event;
  // Type 0: no notification function; CheckEvent sees it signalled.
  if (EFI_ERROR(BS->CreateEvent(0, TPL_CALLBACK, NULL, NULL, &event))) return NULL;
  return event;
}

static void poll_stack(void) {
  listener->Poll(listener);
}

// --- Listening --------------------------------------------------------------------------

// Start every driver for the network cards, recursively: the card's, then SNP, MNP,
// IP4, DHCP4, TCP4 above it; and for the USB controllers, for the cards plugged in there.
// Only those: connecting every device would also start the firmware's terminal again
// on the serial ports we read ourselves (console.c).
static void connect_network_cards(void) {
  EFI_GUID pci_io_guid = EFI_PCI_IO_PROTOCOL_GUID;
  UINTN count;
  EFI_HANDLE *handles;
  if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &pci_io_guid, NULL, &count, &handles))) return;
  for (UINTN i = 0; i < count; i++) {
    EFI_PCI_IO_PROTOCOL *pci;
    uint8_t class[3];  // programming interface, subclass, base class: configuration bytes 9 to 11
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &pci_io_guid, (void **)&pci)) || EFI_ERROR(pci->PciRead(pci, 0, 9, 3, class))) continue;
    if (class[2] == PCI_CLASS_NETWORK || (class[2] == PCI_CLASS_SERIAL_BUS && class[1] == PCI_SUBCLASS_USB))
      BS->ConnectController(handles[i], NULL, NULL, 1);
  }
  BS->FreePool(handles);
}

static struct card {
  EFI_SERVICE_BINDING_PROTOCOL *binding;
  EFI_IP4_CONFIG2_PROTOCOL *config;
  EFI_HANDLE child;
  EFI_TCP4_PROTOCOL *tcp;
  bool failed;  // Configure refused for another reason than "no address yet"
  bool dhcp;    // its address comes by DHCP, not from a static setting
} cards[MAX_CARDS];

// The card's IPv4 address, false when the firmware does not say or it has none yet.
static bool station_address(EFI_IP4_CONFIG2_PROTOCOL *config, uint8_t address[4]) {
  static uint8_t buffer[sizeof(EFI_IP4_CONFIG2_INTERFACE_INFO) + 1024];  // + its route table
  UINTN size = sizeof buffer;
  EFI_IP4_CONFIG2_INTERFACE_INFO *info = (EFI_IP4_CONFIG2_INTERFACE_INFO *)buffer;
  if (!config || EFI_ERROR(config->GetData(config, Ip4Config2DataTypeInterfaceInfo, &size, info))) return false;
  memcpy(address, info->StationAddress.Addr, 4);
  return (address[0] | address[1] | address[2] | address[3]) != 0;
}

// DHCP, unless the card already has a static address someone set in the firmware
// setup: the policy is kept in NVRAM, so we change it only when there is nothing to keep.
static bool use_dhcp(EFI_IP4_CONFIG2_PROTOCOL *config) {
  EFI_IP4_CONFIG2_POLICY policy;
  UINTN size = sizeof policy;
  uint8_t address[4];
  if (!EFI_ERROR(config->GetData(config, Ip4Config2DataTypePolicy, &size, &policy)) && policy == Ip4Config2PolicyDhcp) return true;
  if (station_address(config, address)) return false;
  policy = Ip4Config2PolicyDhcp;
  return !EFI_ERROR(config->SetData(config, Ip4Config2DataTypePolicy, sizeof policy, &policy));
}

int32_t network_listen(uint16_t port) {
  if (listener || port == 0) return -1;
  EFI_GUID binding_guid = EFI_TCP4_SERVICE_BINDING_PROTOCOL_GUID, tcp_guid = EFI_TCP4_PROTOCOL_GUID;
  EFI_GUID config_guid = EFI_IP4_CONFIG2_PROTOCOL_GUID;
  connect_network_cards();
  UINTN count = 0;
  EFI_HANDLE *handles = NULL;
  if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &binding_guid, NULL, &count, &handles)) || count == 0) {
    print("uefi-llm: no network: found no network card with a driver and a TCP/IP stack in the firmware"
          " (plug in a wired card; some PCs need their network stack enabled in the firmware setup)\n");
    return -1;
  }
  int cards_count = 0;  // those with a TCP4 child
  for (UINTN i = 0; i < count && cards_count < MAX_CARDS; i++) {
    struct card *card = &cards[cards_count];
    memset(card, 0, sizeof *card);
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &binding_guid, (void **)&card->binding)) ||
        EFI_ERROR(card->binding->CreateChild(card->binding, &card->child)))
      continue;
    if (EFI_ERROR(BS->HandleProtocol(card->child, &tcp_guid, (void **)&card->tcp))) {
      card->binding->DestroyChild(card->binding, card->child);
      continue;
    }
    // A static policy with no address set (a firmware default) would never give one.
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &config_guid, (void **)&card->config))) card->config = NULL;
    card->dhcp = card->config ? use_dhcp(card->config) : true;
    cards_count++;
  }
  BS->FreePool(handles);
  if (cards_count == 0) {
    print("uefi-llm: no network: the firmware's TCP/IP stack gives no connection on any network card\n");
    return -1;
  }
  bool any_dhcp = false;
  for (int i = 0; i < cards_count; i++) any_dhcp |= cards[i].dhcp;
  print("uefi-llm: %s (%d network card%s)\n", any_dhcp ? "asking for an address by DHCP" : "starting the network", cards_count,
        cards_count == 1 ? "" : "s");

  // Configure answers EFI_NO_MAPPING until DHCP has given the card its address.
  EFI_TCP4_CONFIG_DATA config = {0};
  config.TimeToLive = 64;
  config.AccessPoint.UseDefaultAddress = 1;
  config.AccessPoint.StationPort = port;
  config.AccessPoint.ActiveFlag = 0;  // passive: listen, from any remote address and port
  struct card *chosen = NULL;
  uint64_t start = timer_us();
  int failed = 0;
  while (!chosen && failed < cards_count && timer_us() - start < DHCP_US) {
    for (int i = 0; i < cards_count && !chosen; i++) {
      if (cards[i].failed) continue;
      EFI_STATUS status = cards[i].tcp->Configure(cards[i].tcp, &config);
      if (status == EFI_SUCCESS) chosen = &cards[i];
      else if (status != EFI_NO_MAPPING) {
        warn("network card %d: cannot listen on port %u (status=0x%llx)", i + 1, port, status);
        cards[i].failed = true;
        failed++;
      }
    }
    if (!chosen) BS->Stall(100 * 1000);
  }
  for (int i = 0; i < cards_count; i++)
    if (&cards[i] != chosen) cards[i].binding->DestroyChild(cards[i].binding, cards[i].child);
  if (!chosen) {
    if (failed < cards_count && any_dhcp)
      print("uefi-llm: no network: no DHCP answer within %llu s (is the cable in, and is there a DHCP server on this network?)\n",
            DHCP_US / 1000000);
    else if (failed < cards_count)
      print("uefi-llm: no network: the static address set in the firmware setup did not come up within %llu s\n", DHCP_US / 1000000);
    return -1;
  }

  if (EFI_ERROR(BS->AllocatePool(EfiLoaderData, CONNECTIONS * sizeof(struct connection), (void **)&connections)) ||
      !(listen_token.CompletionToken.Event = new_event())) {
    warn("out of firmware memory for the network connections");
    chosen->binding->DestroyChild(chosen->binding, chosen->child);
    return -1;
  }
  memset(connections, 0, CONNECTIONS * sizeof(struct connection));
  binding = chosen->binding;
  listener_child = chosen->child;
  listener = chosen->tcp;
  uint8_t a[4];
  if (station_address(chosen->config, a))
    print("uefi-llm: address %u.%u.%u.%u%s; serving at http://%u.%u.%u.%u:%u/v1 (press any key to stop)\n", a[0], a[1], a[2], a[3],
          chosen->dhcp ? " by DHCP" : " (static)", a[0], a[1], a[2], a[3], port);
  else
    print("uefi-llm: serving on port %u (the firmware does not say its address); press any key to stop\n", port);
  return LISTENER;
}

// --- Connections ------------------------------------------------------------------------

static struct connection *connection(int32_t handle) {
  if (!connections || handle < 1 || handle > CONNECTIONS) return NULL;
  struct connection *c = &connections[handle - 1];
  return c->state == OPEN ? c : NULL;
}

static void post_receive(struct connection *c) {
  c->rx_data.UrgentFlag = 0;
  c->rx_data.DataLength = RX_BYTES;
  c->rx_data.FragmentCount = 1;
  c->rx_data.FragmentTable[0].FragmentLength = RX_BYTES;
  c->rx_data.FragmentTable[0].FragmentBuffer = c->rx;
  c->rx_token.Packet.RxData = &c->rx_data;
  c->rx_token.CompletionToken.Status = EFI_SUCCESS;
  EFI_STATUS status = c->tcp->Receive(c->tcp, &c->rx_token);
  if (status == EFI_SUCCESS) c->rx_pending = true;
  else if (status == EFI_CONNECTION_FIN) c->ended = true;
  else c->failed = true;
}

static void close_events(struct connection *c) {
  if (c->rx_token.CompletionToken.Event) BS->CloseEvent(c->rx_token.CompletionToken.Event);
  if (c->close_token.CompletionToken.Event) BS->CloseEvent(c->close_token.CompletionToken.Event);
  for (int i = 0; i < TX_SLOTS; i++)
    if (c->tx[i].token.CompletionToken.Event) BS->CloseEvent(c->tx[i].token.CompletionToken.Event);
}

// Destroying the child aborts the connection and flushes its tokens: after it, the
// stack holds no pointer into *c.
static void release(struct connection *c) {
  binding->DestroyChild(binding, c->child);
  close_events(c);
  memset(c, 0, sizeof *c);  // FREE
}

// Connections whose close completed, or took too long.
static void reap_closing(void) {
  uint64_t now = timer_us();
  for (int i = 0; i < CONNECTIONS; i++) {
    struct connection *c = &connections[i];
    if (c->state == CLOSING && (done(c->close_token.CompletionToken.Event) || now > c->close_deadline)) release(c);
  }
}

// A connection the listener handed out: a slot, its events, and a Receive under way.
static int32_t open_connection(EFI_HANDLE child) {
  EFI_GUID tcp_guid = EFI_TCP4_PROTOCOL_GUID;
  struct connection *c = NULL;
  for (int i = 0; i < CONNECTIONS && !c; i++)
    if (connections[i].state == FREE) c = &connections[i];
  if (!c) {
    binding->DestroyChild(binding, child);  // the client sees a reset
    return -1;
  }
  memset(c, 0, sizeof *c);
  c->child = child;
  bool ok = !EFI_ERROR(BS->HandleProtocol(child, &tcp_guid, (void **)&c->tcp));
  ok = ok && (c->rx_token.CompletionToken.Event = new_event()) && (c->close_token.CompletionToken.Event = new_event());
  for (int i = 0; i < TX_SLOTS && ok; i++) ok = (c->tx[i].token.CompletionToken.Event = new_event()) != NULL;
  if (!ok) {
    release(c);
    return -1;
  }
  c->state = OPEN;
  post_receive(c);
  return (int32_t)(c - connections) + 1;
}

static bool key_pressed(void) {
  uint64_t now = timer_us();
  if (now - last_key_poll < KEY_POLL_US) return false;
  last_key_poll = now;
  return input_key_pressed();
}

int32_t network_accept(int32_t handle, uint32_t timeout_ms, bool *stop) {
  *stop = false;
  if (handle != LISTENER || !listener) return -2;
  uint64_t start = timer_us();
  for (;;) {
    reap_closing();
    if (!accept_pending) {
      listen_token.NewChildHandle = NULL;
      listen_token.CompletionToken.Status = EFI_SUCCESS;
      if (EFI_ERROR(listener->Accept(listener, &listen_token))) return -2;
      accept_pending = true;
    }
    poll_stack();
    if (done(listen_token.CompletionToken.Event)) {
      accept_pending = false;
      if (!EFI_ERROR(listen_token.CompletionToken.Status)) {
        int32_t conn = open_connection(listen_token.NewChildHandle);
        if (conn >= 0) return conn;
      }
    }
    if (key_pressed()) {
      *stop = true;
      return -1;
    }
    if (timer_us() - start >= (uint64_t)timeout_ms * 1000) return -1;
    BS->Stall(POLL_US);
  }
}

int32_t network_read(int32_t handle, uint8_t *dst, uint32_t cap, uint32_t timeout_ms) {
  struct connection *c = connection(handle);
  if (!c) return -2;
  uint64_t start = timer_us();
  for (bool polled = false;; polled = true) {
    if (c->rx_start < c->rx_end) {
      uint32_t n = c->rx_end - c->rx_start < cap ? c->rx_end - c->rx_start : cap;
      memcpy(dst, c->rx + c->rx_start, n);
      c->rx_start += n;
      if (c->rx_start == c->rx_end) post_receive(c);  // what we had is read: let the next bytes come
      return (int32_t)n;
    }
    if (c->rx_pending && done(c->rx_token.CompletionToken.Event)) {
      c->rx_pending = false;
      EFI_STATUS status = c->rx_token.CompletionToken.Status;
      if (status == EFI_SUCCESS) {
        c->rx_start = 0;
        c->rx_end = c->rx_data.DataLength;
        if (c->rx_end == 0) post_receive(c);
        continue;
      }
      if (status == EFI_CONNECTION_FIN) c->ended = true;
      else c->failed = true;
    }
    if (c->failed) return -2;
    if (c->ended) return 0;
    // Even without a timeout the stack gets one poll: it may hold bytes for us.
    if (polled && timer_us() - start >= (uint64_t)timeout_ms * 1000) return -1;
    poll_stack();
    if (polled) BS->Stall(POLL_US);
  }
}

// A transmit slot the stack is done with, waiting (bounded) for one; NULL when the
// connection failed or the peer took nothing for WRITE_US.
static struct tx_slot *free_slot(struct connection *c) {
  uint64_t start = timer_us();
  for (;;) {
    for (int i = 0; i < TX_SLOTS; i++) {
      struct tx_slot *slot = &c->tx[i];
      if (slot->busy && done(slot->token.CompletionToken.Event)) {
        slot->busy = false;
        if (EFI_ERROR(slot->token.CompletionToken.Status)) c->failed = true;
      }
    }
    if (c->failed) return NULL;
    for (int i = 0; i < TX_SLOTS; i++)
      if (!c->tx[i].busy) return &c->tx[i];
    if (timer_us() - start >= WRITE_US) {
      c->failed = true;
      return NULL;
    }
    poll_stack();
    BS->Stall(POLL_US);
  }
}

int32_t network_write(int32_t handle, const uint8_t *src, uint32_t len) {
  struct connection *c = connection(handle);
  if (!c) return -1;
  for (uint32_t sent = 0; sent < len;) {
    struct tx_slot *slot = free_slot(c);
    if (!slot) return -1;
    uint32_t n = len - sent < TX_BYTES ? len - sent : TX_BYTES;
    memcpy(slot->bytes, src + sent, n);
    slot->data.Push = 1;  // an event of a stream goes out now, not when more follows
    slot->data.Urgent = 0;
    slot->data.DataLength = n;
    slot->data.FragmentCount = 1;
    slot->data.FragmentTable[0].FragmentLength = n;
    slot->data.FragmentTable[0].FragmentBuffer = slot->bytes;
    slot->token.Packet.TxData = &slot->data;
    slot->token.CompletionToken.Status = EFI_SUCCESS;
    if (EFI_ERROR(c->tcp->Transmit(c->tcp, &slot->token))) {
      c->failed = true;
      return -1;
    }
    slot->busy = true;
    sent += n;
  }
  poll_stack();
  return (int32_t)len;
}

void network_close(int32_t handle) {
  if (handle == LISTENER) {
    network_stop();
    return;
  }
  struct connection *c = connection(handle);
  if (!c) return;
  // Graceful: the stack sends what is queued, then FIN. The buffers stay until it is done.
  c->state = CLOSING;
  c->close_deadline = timer_us() + CLOSE_US;
  c->close_token.AbortOnClose = c->failed;
  c->close_token.CompletionToken.Status = EFI_SUCCESS;
  if (EFI_ERROR(c->tcp->Close(c->tcp, &c->close_token))) release(c);
  else poll_stack();
}

void network_stop(void) {
  if (!listener) return;
  for (int i = 0; i < CONNECTIONS; i++)
    if (connections[i].state != FREE) release(&connections[i]);
  binding->DestroyChild(binding, listener_child);
  BS->CloseEvent(listen_token.CompletionToken.Event);
  BS->FreePool(connections);
  connections = NULL;
  listener = NULL;
  accept_pending = false;
}
