// Text out to every screen and every serial port exactly once, and keys in.
//
// ST->ConOut is the firmware's console splitter, and on most firmware (OVMF
// included) one of the consoles behind it is a terminal on the serial port, so
// writing ConOut and the serial port would print everything twice on serial, and
// the terminal would also mangle UTF-8 (it converts UCS-2 back to ASCII or VT100
// line-drawing). Instead we write the text-output devices that are not serial
// terminals (no UART node in their device path) in UCS-2, and each serial port
// ourselves as raw UTF-8.
//
// Keys come in the same way (input.c reads the ports' bytes), so while we run we stop
// the drivers on each serial port, edk2's TerminalDxe among them: it empties the port
// from a timer, and every byte it took would be lost to us or, worse, split a key in
// two (an Up arrow's ESC [ taken by it, its A echoed by us). console_stop() starts them
// again for the firmware's own menus.
#include <string.h>

#include "firmware.h"

#define MAX_DEVICES 8

static EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *screens[MAX_DEVICES];
static int screen_count;
static EFI_SERIAL_IO_PROTOCOL *serials[MAX_DEVICES];
static EFI_HANDLE serial_handles[MAX_DEVICES];
static int serial_count;

static bool is_serial_terminal(EFI_DEVICE_PATH_PROTOCOL *node) {
  while (node->Type != END_DEVICE_PATH_TYPE) {
    if (node->Type == MESSAGING_DEVICE_PATH && node->SubType == MSG_UART_DP) return true;
    uint16_t length = node->Length[0] | node->Length[1] << 8;
    if (length < sizeof *node) return false;  // malformed: stop walking
    node = (EFI_DEVICE_PATH_PROTOCOL *)((uint8_t *)node + length);
  }
  return false;
}

static void find_screens(void) {
  EFI_GUID text_out_guid = EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
  UINTN count;
  EFI_HANDLE *handles;
  if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &text_out_guid, NULL, &count, &handles))) return;
  for (UINTN i = 0; i < count && screen_count < MAX_DEVICES; i++) {
    EFI_DEVICE_PATH_PROTOCOL *path;
    void *out;
    // No device path: the splitter's virtual handle, which only forwards to the devices listed here.
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &device_path_guid, (void **)&path))) continue;
    if (is_serial_terminal(path)) continue;
    if (!EFI_ERROR(BS->HandleProtocol(handles[i], &text_out_guid, &out))) screens[screen_count++] = out;
  }
  BS->FreePool(handles);
}

static void find_serial_ports(void) {
  EFI_GUID serial_guid = EFI_SERIAL_IO_PROTOCOL_GUID;
  UINTN count;
  EFI_HANDLE *handles;
  if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &serial_guid, NULL, &count, &handles))) return;
  for (UINTN i = 0; i < count && serial_count < MAX_DEVICES; i++) {
    void *port;
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &serial_guid, &port))) continue;
    BS->DisconnectController(handles[i], NULL, NULL);  // the terminal on it (see the top)
    serial_handles[serial_count] = handles[i];
    serials[serial_count++] = port;
  }
  BS->FreePool(handles);
}

void console_init(void) {
  find_serial_ports();
  find_screens();
  // Firmware that describes neither: its own console is all we have.
  if (screen_count == 0 && serial_count == 0) screens[screen_count++] = ST->ConOut;
}

void console_stop(void) {
  for (int s = 0; s < serial_count; s++) BS->ConnectController(serial_handles[s], NULL, NULL, false);
}

// --- Output ----------------------------------------------------------------------

// Text goes to the devices in chunks converted here: a bare LF to CRLF, and UCS-2 for
// screens. An LF right after a CR is left alone (text with CRLF line ends, a prompt or a
// model's output, would end its lines in CR CR LF), also across calls.
static uint8_t serial_buffer[512];
static CHAR16 screen_buffer[256 + 1];
static bool serial_after_cr, screen_after_cr;  // the last character written was CR

static void serials_write(const uint8_t *bytes, size_t len) {
  size_t used = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || used + 2 > sizeof serial_buffer) {
      for (int s = 0; s < serial_count && used; s++) {
        UINTN n = used;
        serials[s]->Write(serials[s], &n, serial_buffer);
      }
      used = 0;
      if (i == len) break;
    }
    if (bytes[i] == '\n' && !serial_after_cr) serial_buffer[used++] = '\r';
    serial_buffer[used++] = bytes[i];
    serial_after_cr = bytes[i] == '\r';
  }
}

struct utf8_state {
  uint32_t codepoint;
  int pending;  // continuation bytes still expected
};

static size_t screen_used;

static void screens_flush(void) {
  screen_buffer[screen_used] = 0;
  for (int s = 0; s < screen_count; s++) screens[s]->OutputString(screens[s], screen_buffer);
  screen_used = 0;
}

// ConOut is UCS-2: characters beyond the BMP, surrogates and bad bytes become U+FFFD.
static void screens_put(uint32_t c) {
  if (c > 0xffff || (c >= 0xd800 && c <= 0xdfff)) c = 0xfffd;
  if (screen_used + 2 > sizeof screen_buffer / sizeof screen_buffer[0] - 1) screens_flush();
  if (c == '\n' && !screen_after_cr) screen_buffer[screen_used++] = '\r';
  screen_buffer[screen_used++] = (CHAR16)c;
  screen_after_cr = c == '\r';
}

static void screens_write(struct utf8_state *state, const uint8_t *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    uint8_t b = bytes[i];
    if (state->pending) {
      if ((b & 0xc0) == 0x80) {
        state->codepoint = state->codepoint << 6 | (b & 0x3f);
        if (--state->pending == 0) screens_put(state->codepoint);
        continue;
      }
      state->pending = 0;  // truncated sequence; b starts a new one
      screens_put(0xfffd);
    }
    if (b < 0x80) screens_put(b);
    else if ((b & 0xe0) == 0xc0) state->codepoint = b & 0x1f, state->pending = 1;
    else if ((b & 0xf0) == 0xe0) state->codepoint = b & 0x0f, state->pending = 2;
    else if ((b & 0xf8) == 0xf0) state->codepoint = b & 0x07, state->pending = 3;
    else screens_put(0xfffd);
  }
  if (screen_used) screens_flush();
}

static struct utf8_state stream_state[3];  // per stream: 1 output, 2 diagnostics; 0 the firmware's own

void console_write(int stream, const uint8_t *bytes, size_t len) {
  serials_write(bytes, len);
  screens_write(&stream_state[stream == 1 || stream == 2 ? stream : 0], bytes, len);
}

// --- Formatting ------------------------------------------------------------------------

size_t vformat(char *out, size_t cap, const char *fmt, va_list args) {
  size_t n = 0;
#define PUT(ch) (n + 1 < cap ? (void)(out[n++] = (ch)) : (void)0)
  for (; *fmt; fmt++) {
    if (*fmt != '%') { PUT(*fmt); continue; }
    fmt++;
    int precision = -1;
    if (fmt[0] == '.' && fmt[1] == '*') precision = va_arg(args, int), fmt += 2;
    bool wide = false;
    if (fmt[0] == 'l' && fmt[1] == 'l') wide = true, fmt += 2;
    else if (fmt[0] == 'z') wide = true, fmt++;
    char digits[24];
    int count = 0;
    switch (*fmt) {
      case 's': {
        const char *s = va_arg(args, const char *);
        for (int i = 0; s[i] && i != precision; i++) PUT(s[i]);
        continue;
      }
      case 'c': PUT((char)va_arg(args, int)); continue;
      case '%': PUT('%'); continue;
      case 'd': {
        int64_t v = wide ? va_arg(args, int64_t) : va_arg(args, int);
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        if (v < 0) PUT('-');
        do digits[count++] = '0' + u % 10; while (u /= 10);
        break;
      }
      case 'u':
      case 'x': {
        uint64_t u = wide ? va_arg(args, uint64_t) : va_arg(args, unsigned);
        unsigned base = *fmt == 'u' ? 10 : 16;
        do digits[count++] = "0123456789abcdef"[u % base]; while (u /= base);
        break;
      }
      default: PUT('?'); continue;
    }
    while (count) PUT(digits[--count]);
  }
#undef PUT
  out[n] = 0;
  return n;
}

static char line_buffer[1024];

static void vprint(const char *prefix, const char *fmt, va_list args) {
  size_t used = strlen(prefix);
  memcpy(line_buffer, prefix, used);
  used += vformat(line_buffer + used, sizeof line_buffer - used, fmt, args);
  console_write(0, (const uint8_t *)line_buffer, used);
}

void print(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vprint("", fmt, args);
  va_end(args);
}

void warn(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vprint("WARNING: ", fmt, args);
  va_end(args);
  print("\n");
}

void console_progress(const char *label, uint64_t done, uint64_t total) {
  static int shown = -1;
  static struct utf8_state state;
  // "\r<label> [####....] 42%" stays under 80 columns, the narrowest text mode.
  enum { LABEL = 24, WIDTH = 40, LINE = 1 + LABEL + 2 + WIDTH + 6 };
  char bar[LINE + 2];
  int percent = total ? (int)(done * 100 / total) : 100;
  if (percent == shown) return;
  size_t n = 0;
  bar[n++] = '\r';
  if (done >= total) {
    // Finished: blank the line so the screen keeps only the program's own text.
    while (n < LINE) bar[n++] = ' ';
    bar[n++] = '\r';
    shown = -1;
  } else {
    for (const char *s = label; *s && n < 1 + LABEL; s++) bar[n++] = *s;
    bar[n++] = ' ';
    bar[n++] = '[';
    for (int i = 0; i < WIDTH; i++) bar[n++] = i < percent * WIDTH / 100 ? '#' : '.';
    bar[n++] = ']';
    bar[n++] = ' ';
    if (percent >= 10) bar[n++] = '0' + percent / 10;
    bar[n++] = '0' + percent % 10;
    bar[n++] = '%';
    shown = percent;
  }
  screens_write(&state, (const uint8_t *)bar, n);
  serials_write((const uint8_t *)bar, n);  // no '\n' in it: one line redrawn in place there too
}

// --- Input -------------------------------------------------------------------------

int console_serial_count(void) { return serial_count; }

bool console_serial_read(int port, uint8_t *byte) {
  EFI_SERIAL_IO_PROTOCOL *serial = serials[port];
  uint32_t control;
  UINTN n = 1;
  // Read() would wait out the port's timeout for a byte that is not there: ask first.
  return !EFI_ERROR(serial->GetControl(serial, &control)) && !(control & EFI_SERIAL_INPUT_BUFFER_EMPTY) &&
         !EFI_ERROR(serial->Read(serial, &n, byte)) && n == 1;
}

void console_cursor(bool visible) {
  for (int s = 0; s < screen_count; s++) screens[s]->EnableCursor(screens[s], visible);
}

void console_wait_key(void) {
  static uint8_t byte;
  ST->ConIn->Reset(ST->ConIn, 0);  // drop keys pressed while the program ran
  for (;;) {
    EFI_INPUT_KEY key;
    if (!EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &key))) return;
    // A serial port that is no console terminal still counts as a keyboard.
    for (int s = 0; s < serial_count; s++)
      if (console_serial_read(s, &byte)) return;
    BS->Stall(10000);
  }
}
