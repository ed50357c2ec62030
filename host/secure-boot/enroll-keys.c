// A tiny EFI application that enrolls one set of Secure Boot keys on a machine in
// Setup Mode: db, then KEK, then PK (setting PK ends Setup Mode, so it goes last),
// each from a time-based authenticated .auth blob compiled in (enroll-keys.h, made
// by host/secure-boot/enroll.ts from a `uefi-llm keys` folder). It prints one line
// per variable and the mode the machine is in afterwards, then, when built with
// ENROLL_SHUTDOWN, powers off (for QEMU runs that prepare a variable store);
// otherwise it waits for a key and returns to the firmware's boot menu.
//
// Freestanding: no headers but clang's own; only the table slots called are named
// (UEFI spec 2.10, sections 4.3, 4.5, 8.2, 12.3, 12.4).
#include <stddef.h>
#include <stdint.h>

#include "enroll-keys.h" // PK_AUTH, KEK_AUTH, DB_AUTH: unsigned char arrays

typedef uint64_t EFI_STATUS;
typedef uint16_t CHAR16;
typedef void *EFI_HANDLE;
typedef struct { uint32_t Data1; uint16_t Data2, Data3; uint8_t Data4[8]; } EFI_GUID;
typedef struct { uint64_t Signature; uint32_t Revision, HeaderSize, CRC32, Reserved; } EFI_TABLE_HEADER;

typedef struct { uint16_t ScanCode; CHAR16 UnicodeChar; } EFI_INPUT_KEY;
typedef struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL {
  void *Reset;
  EFI_STATUS (*ReadKeyStroke)(struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL *This, EFI_INPUT_KEY *Key);
  void *WaitForKey;
} EFI_SIMPLE_TEXT_INPUT_PROTOCOL;
typedef struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL {
  void *Reset;
  EFI_STATUS (*OutputString)(struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *This, const CHAR16 *String);
} EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL;

typedef struct {
  EFI_TABLE_HEADER Hdr;
  void *GetTime, *SetTime, *GetWakeupTime, *SetWakeupTime, *SetVirtualAddressMap, *ConvertPointer;
  EFI_STATUS (*GetVariable)(const CHAR16 *Name, const EFI_GUID *Vendor, uint32_t *Attributes, uint64_t *DataSize, void *Data);
  void *GetNextVariableName;
  EFI_STATUS (*SetVariable)(const CHAR16 *Name, const EFI_GUID *Vendor, uint32_t Attributes, uint64_t DataSize, const void *Data);
  void *GetNextHighMonotonicCount;
  void (*ResetSystem)(int ResetType, EFI_STATUS ResetStatus, uint64_t DataSize, void *ResetData);
} EFI_RUNTIME_SERVICES;
_Static_assert(offsetof(EFI_RUNTIME_SERVICES, SetVariable) == 88, "EFI_RUNTIME_SERVICES layout");
_Static_assert(offsetof(EFI_RUNTIME_SERVICES, ResetSystem) == 104, "EFI_RUNTIME_SERVICES layout");

typedef struct {
  EFI_TABLE_HEADER Hdr;
  void *FirmwareVendor;
  uint32_t FirmwareRevision;
  EFI_HANDLE ConsoleInHandle;
  EFI_SIMPLE_TEXT_INPUT_PROTOCOL *ConIn;
  EFI_HANDLE ConsoleOutHandle;
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *ConOut;
  EFI_HANDLE StandardErrorHandle;
  void *StdErr;
  EFI_RUNTIME_SERVICES *RuntimeServices;
} EFI_SYSTEM_TABLE;
_Static_assert(offsetof(EFI_SYSTEM_TABLE, RuntimeServices) == 88, "EFI_SYSTEM_TABLE layout");

#define EFI_RESET_SHUTDOWN 2
#define ERROR_BIT (1ull << 63)
#define NON_VOLATILE 0x1
#define BOOTSERVICE_ACCESS 0x2
#define RUNTIME_ACCESS 0x4
#define TIME_BASED_AUTHENTICATED_WRITE_ACCESS 0x20

static const EFI_GUID GLOBAL_VARIABLE = {0x8be4df61, 0x93ca, 0x11d2, {0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}};
static const EFI_GUID IMAGE_SECURITY_DATABASE = {0xd719b2cb, 0x3d3a, 0x4596, {0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}};

static EFI_SYSTEM_TABLE *ST;

static void print(const CHAR16 *text) { ST->ConOut->OutputString(ST->ConOut, text); }

static void print_hex(uint64_t value) {
  CHAR16 digits[19] = u"0x";
  for (int i = 0; i < 16; i++) digits[2 + i] = u"0123456789abcdef"[(value >> (60 - 4 * i)) & 0xf];
  digits[18] = 0;
  print(digits);
}

/** One variable; the line says whether the firmware took it. */
static int enroll(const CHAR16 *name, const EFI_GUID *vendor, const unsigned char *data, uint64_t size) {
  uint32_t attributes = NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS | TIME_BASED_AUTHENTICATED_WRITE_ACCESS;
  EFI_STATUS status = ST->RuntimeServices->SetVariable(name, vendor, attributes, size, data);
  print(u"enroll-keys: ");
  print(name);
  if (status == 0) {
    print(u" enrolled\r\n");
    return 1;
  }
  print(u" refused, status ");
  print_hex(status);
  print(status == (ERROR_BIT | 26) ? u" (security violation: not in Setup Mode?)\r\n" : u"\r\n");
  return 0;
}

static int read_u8(const CHAR16 *name) {
  uint8_t value = 0xff;
  uint64_t size = 1;
  if (ST->RuntimeServices->GetVariable(name, &GLOBAL_VARIABLE, NULL, &size, &value) != 0) return -1;
  return value;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table) {
  (void)image;
  ST = system_table;
  print(u"enroll-keys: uefi-llm Secure Boot key enrollment\r\n");
  if (read_u8(u"SetupMode") != 1) {
    print(u"enroll-keys: the firmware is not in Setup Mode: clear its Secure Boot keys in the setup screen first\r\n");
  } else {
    int ok = enroll(u"db", &IMAGE_SECURITY_DATABASE, DB_AUTH, sizeof DB_AUTH) && enroll(u"KEK", &GLOBAL_VARIABLE, KEK_AUTH, sizeof KEK_AUTH) &&
             enroll(u"PK", &GLOBAL_VARIABLE, PK_AUTH, sizeof PK_AUTH);
    print(ok ? u"enroll-keys: done; SetupMode is now " : u"enroll-keys: stopped; SetupMode is ");
    CHAR16 mode[2] = {(CHAR16)(u'0' + read_u8(u"SetupMode")), 0};
    print(mode);
    print(u"; Secure Boot is on from the next boot\r\n");
  }
#ifdef ENROLL_SHUTDOWN
  ST->RuntimeServices->ResetSystem(EFI_RESET_SHUTDOWN, 0, 0, NULL);
#endif
  print(u"enroll-keys: press a key to return to the firmware\r\n");
  EFI_INPUT_KEY key;
  while (ST->ConIn->ReadKeyStroke(ST->ConIn, &key) != 0) {
  }
  return 0;
}
