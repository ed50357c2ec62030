// Screens: a small text mode on a large framebuffer, so that streaming text stays fast.
//
// A graphics console (a text output on a GOP handle) draws each character into the
// framebuffer and scrolls by copying its whole text area up one line, reading it back
// from the framebuffer, which on real graphics hardware is uncached. Firmware starts in
// whatever text mode its setup chose, up to the largest the resolution allows (240x56
// at 1920x1080: 8 MB read per line feed). We set each graphics console to its smallest
// text mode of at least 80x25 (mode 0 is 80x25 everywhere): the resolution stays, the
// console draws that area in the middle of the screen, and a scroll moves only that
// area, whatever the screen. (Under QEMU the framebuffer is host memory and the mode
// made no measurable difference: README, "Screens".) `screen = full` in uefi-llm.cfg
// goes back to the firmware's mode for those who want the whole screen.
#include <string.h>

#include "firmware.h"

#define MAX_SCREENS 8

static struct {
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *out;
  EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
  int32_t firmware_mode;  // the text mode it had when we started
} screens[MAX_SCREENS];
static int screen_count;

static bool text_size(EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *out, int32_t mode, UINTN *columns, UINTN *rows) {
  return mode >= 0 && !EFI_ERROR(out->QueryMode(out, (UINTN)mode, columns, rows));
}

// "screen: 1920x1080 pixels, text 80x25 (mode 0 of 6; the firmware's: 240x56)": on serial too, for the log and the tests.
static void report(int s) {
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *out = screens[s].out;
  EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = screens[s].gop->Mode ? screens[s].gop->Mode->Info : NULL;
  UINTN columns = 0, rows = 0, firmware_columns = 0, firmware_rows = 0;
  text_size(out, out->Mode->Mode, &columns, &rows);
  text_size(out, screens[s].firmware_mode, &firmware_columns, &firmware_rows);
  print("screen: %ux%u pixels, text %llux%llu (mode %d of %d; the firmware's: %llux%llu)\n", info ? info->HorizontalResolution : 0,
        info ? info->VerticalResolution : 0, columns, rows, out->Mode->Mode, out->Mode->MaxMode, firmware_columns, firmware_rows);
}

static void set_mode(int s, int32_t mode) {
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *out = screens[s].out;
  if (mode == out->Mode->Mode) return;
  EFI_STATUS status = out->SetMode(out, (UINTN)mode);
  if (EFI_ERROR(status)) warn("cannot set text mode %d on a screen (status=0x%llx); keeping mode %d", mode, status, out->Mode->Mode);
}

void screen_init(void) {
  EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, text_out_guid = EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID,
           device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
  UINTN count;
  EFI_HANDLE *handles;
  if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &gop_guid, NULL, &count, &handles))) return;  // no screen
  for (UINTN i = 0; i < count && screen_count < MAX_SCREENS; i++) {
    void *gop, *out, *path;
    // No device path: the console splitter's virtual handle, whose modes are those of
    // every console behind it, serial terminals included (console.c writes it no text).
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &device_path_guid, &path))) continue;
    // A graphics console puts its text output on the GOP's own handle.
    if (EFI_ERROR(BS->HandleProtocol(handles[i], &gop_guid, &gop)) || EFI_ERROR(BS->HandleProtocol(handles[i], &text_out_guid, &out))) continue;
    screens[screen_count].out = out;
    screens[screen_count].gop = gop;
    screens[screen_count].firmware_mode = screens[screen_count].out->Mode->Mode;
    screen_count++;
  }
  BS->FreePool(handles);

  for (int s = 0; s < screen_count; s++) {
    EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *out = screens[s].out;
    int32_t smallest = -1;
    UINTN smallest_cells = 0;
    for (int32_t mode = 0; mode < out->Mode->MaxMode; mode++) {
      UINTN columns, rows;
      if (!text_size(out, mode, &columns, &rows) || columns < 80 || rows < 25) continue;
      if (smallest < 0 || columns * rows < smallest_cells) smallest = mode, smallest_cells = columns * rows;
    }
    if (smallest >= 0) set_mode(s, smallest);
    report(s);
  }
}

void screen_configure(const char *config, size_t len) {
  const char *value;
  size_t value_len;
  // Any other value: the core refuses the configuration with its own message.
  if (!config_value(config, len, "screen", &value, &value_len) || value_len != 4 || memcmp(value, "full", 4) != 0) return;
  for (int s = 0; s < screen_count; s++) {
    if (screens[s].out->Mode->Mode == screens[s].firmware_mode) continue;
    set_mode(s, screens[s].firmware_mode);  // not said on serial: the story follows the banner there
  }
}
