// Keys for the chat: the line editor behind read_line() and the stop keys behind
// interrupted() (assembly/host.ts).
//
// Keys come from the firmware's console input, through Simple Text Input Ex where
// ConsoleInHandle has it (it tells Ctrl-C from C), else ST->ConIn: the keyboards; and
// as raw bytes from every serial port, so a terminal on the serial line (QEMU's
// -serial stdio) is read as it sends: UTF-8, and escape sequences we skip whole. The
// firmware's own terminal on those ports is stopped while we run (console.c), so
// every byte comes here, once and in order.
//
// Keys while a line is typed: printable characters are appended and echoed;
// Backspace (BS or DEL, and the Delete key, which a firmware terminal makes of DEL)
// erases the last character; Enter (CR, LF, CRLF as one) ends the line; Ctrl-C
// drops the line being typed and returns it empty (the core asks again); Ctrl-D on
// an empty line ends the session (-1, the end of input); Tab is a space; Up and Down
// walk the history (below); Esc, the other arrows, function keys and other control
// characters do nothing. A line that would pass `cap` bytes keeps the characters that
// fit whole: the rest is neither stored nor echoed (what the screen shows is the
// line), unless Backspace makes room again. While an answer streams, Esc or Ctrl-C
// stops it, and other keys are dropped.
//
// History, as the host chat's terminal keeps it (host/runner/terminal.ts): every line
// ended with Enter that is not blank and differs from the line before it. Up shows the
// line before the one shown, Down the one after, and Down past the newest an empty
// line; a recalled line is edited and sent like a typed one. It lives here, beside the
// echo and Backspace, because read_line() hands the core finished lines only (the core
// never sees keys). Bounded: the newest HISTORY_LINES lines that fit HISTORY_BYTES
// together; a longer line is not kept.
#include <string.h>

#include "firmware.h"

#define MAX_PORTS 8                  // as console.c finds at most
#define POLL_US 1000                 // between looks at the ports: a 16-byte UART FIFO fills in 1.4 ms at 115200 baud
#define ESCAPE_WAIT_US (100 * 1000)  // ESC with nothing after it for this long is the Esc key
#define HISTORY_LINES 64
#define HISTORY_BYTES 16384          // as long as the core's longest line (assembly/text/chat.ts)

enum key_kind { KEY_NONE, KEY_CHAR, KEY_ENTER, KEY_BACKSPACE, KEY_ESC, KEY_CTRL_C, KEY_CTRL_D, KEY_UP, KEY_DOWN };

struct key {
  enum key_kind kind;
  uint32_t codepoint;  // KEY_CHAR only
};

// A serial port's bytes on their way to keys.
struct decoder {
  enum { PLAIN, ESCAPE, CSI, SS3 } state;  // after ESC; within ESC [ ...; after ESC O
  uint64_t escape_us;  // when the escape sequence last got a byte
  uint32_t codepoint;  // UTF-8 being assembled
  int missing;         // continuation bytes still to come
  uint32_t least;      // the smallest code point this many bytes may encode (no overlong forms)
  bool after_cr;       // the last byte was CR: an LF now belongs to the same Enter
  int held;            // a byte to decode again (it ended an ESC), or -1
};

static struct decoder ports[MAX_PORTS];
static int port_count = -1;  // until the first call
static EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *text_in_ex;
static bool conin_after_cr;

static void input_init(void) {
  EFI_GUID text_in_ex_guid = EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID;
  if (EFI_ERROR(BS->HandleProtocol(ST->ConsoleInHandle, &text_in_ex_guid, (void **)&text_in_ex))) text_in_ex = NULL;
  port_count = console_serial_count() < MAX_PORTS ? console_serial_count() : MAX_PORTS;
  for (int p = 0; p < port_count; p++) ports[p].held = -1;
}

// --- Decoding --------------------------------------------------------------------------

// Not a control character (C0, DEL, C1), a surrogate or past Unicode.
static bool printable(uint32_t c) { return c >= 0x20 && (c < 0x7f || c >= 0xa0) && (c < 0xd800 || c > 0xdfff) && c <= 0x10ffff; }

// A character from ConIn: UCS-2, Ctrl state from Simple Text Input Ex. False when none is waiting.
static bool conin_key(struct key *key) {
  EFI_KEY_DATA data;
  if (text_in_ex) {
    if (EFI_ERROR(text_in_ex->ReadKeyStrokeEx(text_in_ex, &data))) return false;
  } else {
    if (!ST->ConIn || EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &data.Key))) return false;
    data.KeyState.KeyShiftState = 0;
  }
  uint32_t c = data.Key.UnicodeChar;
  uint32_t shift = data.KeyState.KeyShiftState;
  // Ex reports Ctrl-C as 'c' with Ctrl held; plain ConIn as 0x03. Make both the latter.
  if ((shift & EFI_SHIFT_STATE_VALID) && (shift & (EFI_LEFT_CONTROL_PRESSED | EFI_RIGHT_CONTROL_PRESSED)) &&
      ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
    c &= 0x1f;
  bool after_cr = conin_after_cr;
  conin_after_cr = data.Key.ScanCode == 0 && c == '\r';
  key->kind = KEY_NONE;
  if (data.Key.ScanCode == SCAN_ESC || (data.Key.ScanCode == 0 && c == 0x1b)) key->kind = KEY_ESC;
  else if (data.Key.ScanCode == SCAN_DELETE) key->kind = KEY_BACKSPACE;
  else if (data.Key.ScanCode == SCAN_UP) key->kind = KEY_UP;
  else if (data.Key.ScanCode == SCAN_DOWN) key->kind = KEY_DOWN;
  else if (data.Key.ScanCode != 0) return true;  // other arrows, function keys
  else if (c == '\r' || (c == '\n' && !after_cr)) key->kind = KEY_ENTER;
  else if (c == CHAR_BACKSPACE || c == 0x7f) key->kind = KEY_BACKSPACE;
  else if (c == 0x03) key->kind = KEY_CTRL_C;
  else if (c == 0x04) key->kind = KEY_CTRL_D;
  else if (c == '\t') key->kind = KEY_CHAR, key->codepoint = ' ';
  else if (printable(c)) key->kind = KEY_CHAR, key->codepoint = c;
  return true;
}

// Feed one byte from a serial port; true with *key when it ends a key (KEY_NONE for one
// that does nothing, like an arrow's escape sequence).
static bool decode_byte(struct decoder *d, uint8_t b, uint64_t now, struct key *key) {
  key->kind = KEY_NONE;
  bool after_cr = d->after_cr;
  d->after_cr = false;
  if (d->state != PLAIN) d->escape_us = now;
  switch (d->state) {
    case ESCAPE:
      if (b == '[') { d->state = CSI; return false; }
      if (b == 'O') { d->state = SS3; return false; }
      // Anything else: that ESC was the Esc key (Alt+key sends the same), and b comes next.
      d->state = PLAIN;
      d->held = b;
      key->kind = KEY_ESC;
      return true;
    case CSI:
    case SS3:  // ESC O A is an arrow in the terminal's application cursor mode
      if (d->state == CSI && b >= 0x20 && b <= 0x3f) return false;  // parameter and intermediate bytes
      d->state = PLAIN;
      if (b >= 0x40 && b <= 0x7e) {  // the final byte
        if (b == 'A') key->kind = KEY_UP;
        if (b == 'B') key->kind = KEY_DOWN;
        return true;
      }
      break;  // not a sequence after all: b stands alone
    case PLAIN: break;
  }
  if (d->missing) {
    if ((b & 0xc0) == 0x80) {
      d->codepoint = d->codepoint << 6 | (b & 0x3f);
      if (--d->missing) return false;
      uint32_t c = d->codepoint;
      if (c >= d->least && printable(c)) key->kind = KEY_CHAR, key->codepoint = c;
      return true;
    }
    d->missing = 0;  // a sequence cut short is dropped; b starts afresh
  }
  if (b >= 0x20 && b < 0x7f) key->kind = KEY_CHAR, key->codepoint = b;
  else if (b == 0x1b) d->state = ESCAPE, d->escape_us = now;
  else if (b == '\r' || (b == '\n' && !after_cr)) key->kind = KEY_ENTER, d->after_cr = b == '\r';
  else if (b == 0x08 || b == 0x7f) key->kind = KEY_BACKSPACE;
  else if (b == 0x03) key->kind = KEY_CTRL_C;
  else if (b == 0x04) key->kind = KEY_CTRL_D;
  else if (b == '\t') key->kind = KEY_CHAR, key->codepoint = ' ';
  else if (b >= 0xc2 && b <= 0xdf) d->codepoint = b & 0x1f, d->missing = 1, d->least = 0x80;
  else if (b >= 0xe0 && b <= 0xef) d->codepoint = b & 0x0f, d->missing = 2, d->least = 0x800;
  else if (b >= 0xf0 && b <= 0xf4) d->codepoint = b & 0x07, d->missing = 3, d->least = 0x10000;
  return d->state == PLAIN && d->missing == 0;  // other control bytes and stray UTF-8 bytes: nothing
}

// Time passing with nothing more from the port: an ESC alone by now is the Esc key,
// and a sequence that stalled is given up (what comes later stands alone).
static bool decode_idle(struct decoder *d, uint64_t now, struct key *key) {
  if (d->state == PLAIN || now - d->escape_us < ESCAPE_WAIT_US) return false;
  key->kind = d->state == ESCAPE ? KEY_ESC : KEY_NONE;
  d->state = PLAIN;
  return true;
}

// The next key from ConIn, else from the serial ports in turn; false when none is
// waiting. KEY_NONE is never returned.
static bool next_key(struct key *key) {
  while (conin_key(key))
    if (key->kind != KEY_NONE) return true;
  uint64_t now = timer_us();
  for (int p = 0; p < port_count; p++) {
    struct decoder *d = &ports[p];
    uint8_t b;
    for (;;) {
      if (d->held >= 0) b = (uint8_t)d->held, d->held = -1;
      else if (!console_serial_read(p, &b)) break;
      if (decode_byte(d, b, now, key) && key->kind != KEY_NONE) return true;
    }
    if (decode_idle(d, now, key) && key->kind != KEY_NONE) return true;
  }
  return false;
}

// --- History -----------------------------------------------------------------------------

static uint8_t history[HISTORY_BYTES];     // the lines back to back, oldest first
static uint32_t history_len[HISTORY_LINES];
static int history_count;
static size_t history_used;                // bytes of history[] in use

static const uint8_t *history_line(int index, size_t *len) {
  size_t at = 0;
  for (int i = 0; i < index; i++) at += history_len[i];
  *len = history_len[index];
  return history + at;
}

static void history_add(const uint8_t *line, size_t len) {
  size_t blank = 0;
  while (blank < len && line[blank] == ' ') blank++;
  if (blank == len || len > HISTORY_BYTES) return;
  if (history_count > 0) {
    size_t last_len;
    const uint8_t *last = history_line(history_count - 1, &last_len);
    if (last_len == len && memcmp(last, line, len) == 0) return;
  }
  // Make room by forgetting the oldest lines.
  while (history_count == HISTORY_LINES || history_used + len > HISTORY_BYTES) {
    size_t oldest = history_len[0];
    memmove(history, history + oldest, history_used - oldest);
    memmove(history_len, history_len + 1, (size_t)(history_count - 1) * sizeof history_len[0]);
    history_used -= oldest;
    history_count--;
  }
  memcpy(history + history_used, line, len);
  history_used += len;
  history_len[history_count++] = (uint32_t)len;
}

// --- Line editing ----------------------------------------------------------------------

static void echo(const char *text, size_t len) { console_write(0, (const uint8_t *)text, len); }

static size_t utf8_encode(uint32_t c, uint8_t out[4]) {
  if (c < 0x80) return out[0] = (uint8_t)c, 1;
  if (c < 0x800) return out[0] = 0xc0 | c >> 6, out[1] = 0x80 | (c & 0x3f), 2;
  if (c < 0x10000) return out[0] = 0xe0 | c >> 12, out[1] = 0x80 | (c >> 6 & 0x3f), out[2] = 0x80 | (c & 0x3f), 3;
  out[0] = 0xf0 | c >> 18, out[1] = 0x80 | (c >> 12 & 0x3f), out[2] = 0x80 | (c >> 6 & 0x3f), out[3] = 0x80 | (c & 0x3f);
  return 4;
}

// Show `text` instead of the line typed so far: each character erased as Backspace
// erases it, then the new one echoed (what fits of it in cap bytes, whole characters).
static void replace_line(uint8_t *line, size_t *len, size_t cap, const uint8_t *text, size_t text_len) {
  for (size_t i = 0; i < *len; i++)
    if ((line[i] & 0xc0) != 0x80) echo("\b \b", 3);
  if (text_len > cap) {
    text_len = cap;
    while (text_len > 0 && (text[text_len] & 0xc0) == 0x80) text_len--;  // text[cap] starts the character cut off
  }
  memcpy(line, text, text_len);
  *len = text_len;
  echo((const char *)line, text_len);
}

int64_t input_read_line(uint8_t *line, size_t cap) {
  if (port_count < 0) input_init();
  size_t len = 0;
  bool full = false;  // a character did not fit: the rest of the line is dropped
  int browsing = history_count;  // the history line shown; history_count: the line being typed
  int64_t result;
  console_cursor(true);
  for (;;) {
    struct key key;
    while (next_key(&key)) {
      if (key.kind == KEY_CHAR) {
        uint8_t bytes[4];
        size_t n = utf8_encode(key.codepoint, bytes);
        if (full || n > cap - len) {
          full = true;
          continue;
        }
        memcpy(line + len, bytes, n);
        len += n;
        echo((const char *)bytes, n);
      } else if (key.kind == KEY_BACKSPACE && len > 0) {
        do len--; while (len > 0 && (line[len] & 0xc0) == 0x80);  // back to the character's first byte
        full = false;
        echo("\b \b", 3);
      } else if (key.kind == KEY_UP && browsing > 0) {
        size_t n;
        const uint8_t *text = history_line(--browsing, &n);
        replace_line(line, &len, cap, text, n);
        full = false;
      } else if (key.kind == KEY_DOWN && browsing < history_count) {
        size_t n = 0;
        const uint8_t *text = ++browsing < history_count ? history_line(browsing, &n) : line;
        replace_line(line, &len, cap, text, n);
        full = false;
      } else if (key.kind == KEY_ENTER) {
        echo("\n", 1);
        history_add(line, len);
        result = (int64_t)len;
        goto done;
      } else if (key.kind == KEY_CTRL_C) {
        echo("^C\n", 3);
        result = 0;
        goto done;
      } else if (key.kind == KEY_CTRL_D && len == 0) {
        echo("\n", 1);
        result = -1;
        goto done;
      }
    }
    BS->Stall(POLL_US);
  }
done:
  console_cursor(false);
  return result;
}

bool input_interrupted(void) {
  if (port_count < 0) input_init();
  bool stop = false;
  struct key key;
  while (!stop && next_key(&key)) stop = key.kind == KEY_ESC || key.kind == KEY_CTRL_C;
  return stop;
}

bool input_key_pressed(void) {
  if (port_count < 0) input_init();
  bool pressed = false;
  struct key key;
  while (next_key(&key)) pressed = true;  // every key waiting is taken: none is left for what comes after
  return pressed;
}
