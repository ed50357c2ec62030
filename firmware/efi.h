// The subset of the UEFI 2.x interfaces this firmware calls, with the spec's names
// kept so the spec stays greppable. Table slots we never call are void* placeholders;
// the _Static_asserts pin the offsets of the slots we do call.
#ifndef EFI_H
#define EFI_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t UINTN;
typedef uint64_t EFI_STATUS;
typedef uint64_t EFI_PHYSICAL_ADDRESS;
typedef uint16_t CHAR16;
typedef uint8_t BOOLEAN;
typedef void *EFI_HANDLE;
typedef void *EFI_EVENT;

typedef struct {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} EFI_GUID;

#define EFI_SUCCESS 0
#define EFI_ERROR_BIT (1ull << 63)
#define EFI_ERROR(status) (((status) & EFI_ERROR_BIT) != 0)
#define EFI_ABORTED (EFI_ERROR_BIT | 21)
#define EFI_NO_MAPPING (EFI_ERROR_BIT | 17)
#define EFI_CONNECTION_FIN (EFI_ERROR_BIT | 104)

typedef struct {
  uint64_t Signature;
  uint32_t Revision;
  uint32_t HeaderSize;
  uint32_t CRC32;
  uint32_t Reserved;
} EFI_TABLE_HEADER;

// --- Console ---------------------------------------------------------------

typedef struct {
  uint16_t ScanCode;
  CHAR16 UnicodeChar;
} EFI_INPUT_KEY;

#define SCAN_UP 0x01
#define SCAN_DOWN 0x02
#define SCAN_DELETE 0x08
#define SCAN_ESC 0x17
#define CHAR_BACKSPACE 0x08

typedef struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL {
  EFI_STATUS (*Reset)(struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL *This, BOOLEAN ExtendedVerification);
  EFI_STATUS (*ReadKeyStroke)(struct EFI_SIMPLE_TEXT_INPUT_PROTOCOL *This, EFI_INPUT_KEY *Key);
  EFI_EVENT WaitForKey;
} EFI_SIMPLE_TEXT_INPUT_PROTOCOL;

typedef struct {
  EFI_INPUT_KEY Key;
  struct {
    uint32_t KeyShiftState;
    uint8_t KeyToggleState;
  } KeyState;
} EFI_KEY_DATA;

#define EFI_SHIFT_STATE_VALID 0x80000000u
#define EFI_RIGHT_CONTROL_PRESSED 0x00000004u
#define EFI_LEFT_CONTROL_PRESSED 0x00000008u

typedef struct EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL {
  void *Reset;
  EFI_STATUS (*ReadKeyStrokeEx)(struct EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL *This, EFI_KEY_DATA *KeyData);
  void *WaitForKeyEx, *SetState, *RegisterKeyNotify, *UnregisterKeyNotify;
} EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL;

#define EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID \
  {0xdd9e7534, 0x7762, 0x4698, {0x8c, 0x14, 0xf5, 0x85, 0x17, 0xa6, 0x25, 0xaa}}

typedef struct {
  int32_t MaxMode;  // modes are 0 .. MaxMode - 1; mode 0 is 80x25 on every device
  int32_t Mode, Attribute, CursorColumn, CursorRow;
  BOOLEAN CursorVisible;
} SIMPLE_TEXT_OUTPUT_MODE;

typedef struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL {
  void *Reset;
  EFI_STATUS (*OutputString)(struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *This, CHAR16 *String);
  void *TestString;
  EFI_STATUS (*QueryMode)(struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *This, UINTN ModeNumber, UINTN *Columns, UINTN *Rows);
  EFI_STATUS (*SetMode)(struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *This, UINTN ModeNumber);
  void *SetAttribute, *ClearScreen, *SetCursorPosition;
  EFI_STATUS (*EnableCursor)(struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *This, BOOLEAN Visible);
  SIMPLE_TEXT_OUTPUT_MODE *Mode;
} EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL;

_Static_assert(sizeof(EFI_KEY_DATA) == 12, "EFI_KEY_DATA layout");
_Static_assert(offsetof(EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL, ReadKeyStrokeEx) == 8, "EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL layout");
_Static_assert(offsetof(EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL, EnableCursor) == 64, "EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL layout");

#define EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID \
  {0x387477c2, 0x69c7, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}

// Only the current mode is read (the resolution, for the log line); modes are set through ConOut.
typedef struct {
  uint32_t Version, HorizontalResolution, VerticalResolution;
  uint32_t PixelFormatAndMasks[5];  // EFI_GRAPHICS_PIXEL_FORMAT and EFI_PIXEL_BITMASK, unused
  uint32_t PixelsPerScanLine;
} EFI_GRAPHICS_OUTPUT_MODE_INFORMATION;

typedef struct {
  uint32_t MaxMode, Mode;
  EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *Info;
  UINTN SizeOfInfo;
  uint64_t FrameBufferBase;
  UINTN FrameBufferSize;
} EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE;

typedef struct {
  void *QueryMode, *SetMode, *Blt;
  EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *Mode;
} EFI_GRAPHICS_OUTPUT_PROTOCOL;

_Static_assert(offsetof(EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL, SetMode) == 32, "EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL layout");
_Static_assert(offsetof(EFI_GRAPHICS_OUTPUT_PROTOCOL, Mode) == 24, "EFI_GRAPHICS_OUTPUT_PROTOCOL layout");
_Static_assert(sizeof(EFI_GRAPHICS_OUTPUT_MODE_INFORMATION) == 36, "EFI_GRAPHICS_OUTPUT_MODE_INFORMATION layout");

#define EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID \
  {0x9042a9de, 0x23dc, 0x4a38, {0x96, 0xfb, 0x7a, 0xde, 0xd0, 0x80, 0x51, 0x6a}}

// --- Boot and runtime services ----------------------------------------------

typedef enum { AllocateAnyPages, AllocateMaxAddress, AllocateAddress } EFI_ALLOCATE_TYPE;

typedef enum {
  EfiReservedMemoryType,
  EfiLoaderCode,
  EfiLoaderData,
  EfiBootServicesCode,
  EfiBootServicesData,
  EfiRuntimeServicesCode,
  EfiRuntimeServicesData,
  EfiConventionalMemory,
} EFI_MEMORY_TYPE;

typedef struct {
  uint32_t Type;
  EFI_PHYSICAL_ADDRESS PhysicalStart;
  uint64_t VirtualStart;
  uint64_t NumberOfPages;
  uint64_t Attribute;
} EFI_MEMORY_DESCRIPTOR;

typedef enum { AllHandles, ByRegisterNotify, ByProtocol } EFI_LOCATE_SEARCH_TYPE;

typedef UINTN EFI_TPL;
#define TPL_APPLICATION 4
#define TPL_CALLBACK 8
#define TPL_NOTIFY 16

typedef struct {
  EFI_TABLE_HEADER Hdr;
  EFI_TPL (*RaiseTPL)(EFI_TPL NewTpl);
  void (*RestoreTPL)(EFI_TPL OldTpl);
  EFI_STATUS (*AllocatePages)(EFI_ALLOCATE_TYPE Type, EFI_MEMORY_TYPE MemoryType, UINTN Pages, EFI_PHYSICAL_ADDRESS *Memory);
  EFI_STATUS (*FreePages)(EFI_PHYSICAL_ADDRESS Memory, UINTN Pages);
  EFI_STATUS (*GetMemoryMap)(UINTN *MemoryMapSize, EFI_MEMORY_DESCRIPTOR *MemoryMap, UINTN *MapKey, UINTN *DescriptorSize, uint32_t *DescriptorVersion);
  EFI_STATUS (*AllocatePool)(EFI_MEMORY_TYPE PoolType, UINTN Size, void **Buffer);
  EFI_STATUS (*FreePool)(void *Buffer);
  EFI_STATUS (*CreateEvent)(uint32_t Type, EFI_TPL NotifyTpl, void *NotifyFunction, void *NotifyContext, EFI_EVENT *Event);
  void *SetTimer, *WaitForEvent, *SignalEvent;
  EFI_STATUS (*CloseEvent)(EFI_EVENT Event);
  EFI_STATUS (*CheckEvent)(EFI_EVENT Event);
  void *InstallProtocolInterface, *ReinstallProtocolInterface, *UninstallProtocolInterface;
  EFI_STATUS (*HandleProtocol)(EFI_HANDLE Handle, EFI_GUID *Protocol, void **Interface);
  void *Reserved, *RegisterProtocolNotify, *LocateHandle, *LocateDevicePath, *InstallConfigurationTable;
  void *LoadImage, *StartImage, *Exit, *UnloadImage, *ExitBootServices, *GetNextMonotonicCount;
  EFI_STATUS (*Stall)(UINTN Microseconds);
  EFI_STATUS (*SetWatchdogTimer)(UINTN Timeout, uint64_t WatchdogCode, UINTN DataSize, CHAR16 *WatchdogData);
  EFI_STATUS (*ConnectController)(EFI_HANDLE ControllerHandle, EFI_HANDLE *DriverImageHandle, void *RemainingDevicePath, BOOLEAN Recursive);
  EFI_STATUS (*DisconnectController)(EFI_HANDLE ControllerHandle, EFI_HANDLE DriverImageHandle, EFI_HANDLE ChildHandle);
  void *OpenProtocol, *CloseProtocol, *OpenProtocolInformation;
  void *ProtocolsPerHandle;
  EFI_STATUS (*LocateHandleBuffer)(EFI_LOCATE_SEARCH_TYPE SearchType, EFI_GUID *Protocol, void *SearchKey, UINTN *NoHandles, EFI_HANDLE **Buffer);
  EFI_STATUS (*LocateProtocol)(EFI_GUID *Protocol, void *Registration, void **Interface);
} EFI_BOOT_SERVICES;

_Static_assert(offsetof(EFI_BOOT_SERVICES, AllocatePages) == 40, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, HandleProtocol) == 152, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, Stall) == 248, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, CreateEvent) == 80, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, CheckEvent) == 120, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, ConnectController) == 264, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, LocateHandleBuffer) == 312, "EFI_BOOT_SERVICES layout");
_Static_assert(offsetof(EFI_BOOT_SERVICES, LocateProtocol) == 320, "EFI_BOOT_SERVICES layout");

typedef enum { EfiResetCold, EfiResetWarm, EfiResetShutdown } EFI_RESET_TYPE;

typedef struct {
  EFI_TABLE_HEADER Hdr;
  void *GetTime, *SetTime, *GetWakeupTime, *SetWakeupTime, *SetVirtualAddressMap, *ConvertPointer;
  void *GetVariable, *GetNextVariableName, *SetVariable, *GetNextHighMonotonicCount;
  void (*ResetSystem)(EFI_RESET_TYPE ResetType, EFI_STATUS ResetStatus, UINTN DataSize, void *ResetData);
} EFI_RUNTIME_SERVICES;

_Static_assert(offsetof(EFI_RUNTIME_SERVICES, ResetSystem) == 104, "EFI_RUNTIME_SERVICES layout");

typedef struct {
  EFI_TABLE_HEADER Hdr;
  CHAR16 *FirmwareVendor;
  uint32_t FirmwareRevision;
  EFI_HANDLE ConsoleInHandle;
  EFI_SIMPLE_TEXT_INPUT_PROTOCOL *ConIn;
  EFI_HANDLE ConsoleOutHandle;
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *ConOut;
  EFI_HANDLE StandardErrorHandle;
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *StdErr;
  EFI_RUNTIME_SERVICES *RuntimeServices;
  EFI_BOOT_SERVICES *BootServices;
  UINTN NumberOfTableEntries;
  struct EFI_CONFIGURATION_TABLE *ConfigurationTable;
} EFI_SYSTEM_TABLE;

typedef struct EFI_CONFIGURATION_TABLE {
  EFI_GUID VendorGuid;
  void *VendorTable;
} EFI_CONFIGURATION_TABLE;

// The ACPI 2.0+ RSDP (aarch64/smp.c reads the MADT and FADT through it).
#define EFI_ACPI_20_TABLE_GUID \
  {0x8868e871, 0xe4f1, 0x11d3, {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}}

_Static_assert(offsetof(EFI_SYSTEM_TABLE, BootServices) == 96, "EFI_SYSTEM_TABLE layout");
_Static_assert(offsetof(EFI_SYSTEM_TABLE, ConfigurationTable) == 112, "EFI_SYSTEM_TABLE layout");

// --- Protocols ----------------------------------------------------------------

typedef struct {
  uint8_t Type;
  uint8_t SubType;
  uint8_t Length[2];
} EFI_DEVICE_PATH_PROTOCOL;

#define EFI_DEVICE_PATH_PROTOCOL_GUID \
  {0x09576e91, 0x6d3f, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}
#define MESSAGING_DEVICE_PATH 0x03
#define MSG_UART_DP 0x0e
#define END_DEVICE_PATH_TYPE 0x7f

typedef struct {
  uint32_t Revision;
  EFI_HANDLE ParentHandle;
  EFI_SYSTEM_TABLE *SystemTable;
  EFI_HANDLE DeviceHandle;
  EFI_DEVICE_PATH_PROTOCOL *FilePath;
  void *Reserved;
  uint32_t LoadOptionsSize;
  void *LoadOptions;
  void *ImageBase;
  // ImageSize and the rest follow; unused.
} EFI_LOADED_IMAGE_PROTOCOL;

_Static_assert(offsetof(EFI_LOADED_IMAGE_PROTOCOL, ImageBase) == 64, "EFI_LOADED_IMAGE_PROTOCOL layout");

#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
  {0x5b1b31a1, 0x9562, 0x11d2, {0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}

typedef struct EFI_FILE_PROTOCOL {
  uint64_t Revision;
  EFI_STATUS (*Open)(struct EFI_FILE_PROTOCOL *This, struct EFI_FILE_PROTOCOL **NewHandle, CHAR16 *FileName, uint64_t OpenMode, uint64_t Attributes);
  EFI_STATUS (*Close)(struct EFI_FILE_PROTOCOL *This);
  void *Delete;
  EFI_STATUS (*Read)(struct EFI_FILE_PROTOCOL *This, UINTN *BufferSize, void *Buffer);
  void *Write, *GetPosition;
  EFI_STATUS (*SetPosition)(struct EFI_FILE_PROTOCOL *This, uint64_t Position);
  EFI_STATUS (*GetInfo)(struct EFI_FILE_PROTOCOL *This, EFI_GUID *InformationType, UINTN *BufferSize, void *Buffer);
} EFI_FILE_PROTOCOL;

#define EFI_FILE_MODE_READ 0x0000000000000001ull

typedef struct {
  uint64_t Size;
  uint64_t FileSize;
  uint64_t PhysicalSize;
  uint8_t CreateTime[16], LastAccessTime[16], ModificationTime[16];
  uint64_t Attribute;
  CHAR16 FileName[];
} EFI_FILE_INFO;

#define EFI_FILE_DIRECTORY 0x0000000000000010ull

#define EFI_FILE_INFO_ID \
  {0x09576e92, 0x6d3f, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}

typedef struct EFI_SIMPLE_FILE_SYSTEM_PROTOCOL {
  uint64_t Revision;
  EFI_STATUS (*OpenVolume)(struct EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *This, EFI_FILE_PROTOCOL **Root);
} EFI_SIMPLE_FILE_SYSTEM_PROTOCOL;

#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID \
  {0x964e5b22, 0x6459, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}}

typedef struct EFI_SERIAL_IO_PROTOCOL {
  uint32_t Revision;
  void *Reset, *SetAttributes, *SetControl;
  EFI_STATUS (*GetControl)(struct EFI_SERIAL_IO_PROTOCOL *This, uint32_t *Control);
  EFI_STATUS (*Write)(struct EFI_SERIAL_IO_PROTOCOL *This, UINTN *BufferSize, void *Buffer);
  EFI_STATUS (*Read)(struct EFI_SERIAL_IO_PROTOCOL *This, UINTN *BufferSize, void *Buffer);
} EFI_SERIAL_IO_PROTOCOL;

#define EFI_SERIAL_IO_PROTOCOL_GUID \
  {0xbb25cf6f, 0xf1d4, 0x11d2, {0x9a, 0x0c, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0xfd}}
#define EFI_SERIAL_INPUT_BUFFER_EMPTY 0x00000100

// PI specification vol. 2, 13.4: the other processors, for parallel_for (parallel.c).
typedef void (*EFI_AP_PROCEDURE)(void *ProcedureArgument);

typedef struct EFI_MP_SERVICES_PROTOCOL {
  EFI_STATUS (*GetNumberOfProcessors)(struct EFI_MP_SERVICES_PROTOCOL *This, UINTN *NumberOfProcessors, UINTN *NumberOfEnabledProcessors);
  void *GetProcessorInfo;
  EFI_STATUS (*StartupAllAPs)(struct EFI_MP_SERVICES_PROTOCOL *This, EFI_AP_PROCEDURE Procedure, BOOLEAN SingleThread, EFI_EVENT WaitEvent,
                              UINTN TimeoutInMicroSeconds, void *ProcedureArgument, UINTN **FailedCpuList);
  void *StartupThisAP, *SwitchBSP, *EnableDisableAP, *WhoAmI;
} EFI_MP_SERVICES_PROTOCOL;

#define EFI_MP_SERVICES_PROTOCOL_GUID \
  {0x3fdda605, 0xa76e, 0x4f46, {0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08}}

// --- Network: TCP over IPv4 (UEFI 2.10, chapters 28.1 and 28.5), for network.c --------

typedef struct EFI_PCI_IO_PROTOCOL {
  void *PollMem, *PollIo, *MemRead, *MemWrite, *IoRead, *IoWrite;
  // Width 0 is EfiPciIoWidthUint8: Count bytes from configuration space at Offset.
  EFI_STATUS (*PciRead)(struct EFI_PCI_IO_PROTOCOL *This, int Width, uint32_t Offset, UINTN Count, void *Buffer);
} EFI_PCI_IO_PROTOCOL;
_Static_assert(offsetof(EFI_PCI_IO_PROTOCOL, PciRead) == 48, "EFI_PCI_IO_PROTOCOL layout");

#define EFI_PCI_IO_PROTOCOL_GUID \
  {0x4cf5b200, 0x68b8, 0x4ca5, {0x9e, 0xec, 0xb2, 0x3e, 0x3f, 0x50, 0x02, 0x9a}}
#define PCI_CLASS_NETWORK 0x02
#define PCI_CLASS_SERIAL_BUS 0x0c  // with subclass 0x03: USB controllers
#define PCI_SUBCLASS_USB 0x03

typedef struct EFI_SERVICE_BINDING_PROTOCOL {
  EFI_STATUS (*CreateChild)(struct EFI_SERVICE_BINDING_PROTOCOL *This, EFI_HANDLE *ChildHandle);
  EFI_STATUS (*DestroyChild)(struct EFI_SERVICE_BINDING_PROTOCOL *This, EFI_HANDLE ChildHandle);
} EFI_SERVICE_BINDING_PROTOCOL;

#define EFI_TCP4_SERVICE_BINDING_PROTOCOL_GUID \
  {0x00720665, 0x67eb, 0x4a99, {0xba, 0xf7, 0xd3, 0xc3, 0x3a, 0x1c, 0x7c, 0xc9}}
#define EFI_TCP4_PROTOCOL_GUID \
  {0x65530bc7, 0xa359, 0x410f, {0xb0, 0x10, 0x5a, 0xad, 0xc7, 0xec, 0x2b, 0x62}}

typedef struct {
  uint8_t Addr[4];
} EFI_IPv4_ADDRESS;

typedef struct {
  BOOLEAN UseDefaultAddress;
  EFI_IPv4_ADDRESS StationAddress;
  EFI_IPv4_ADDRESS SubnetMask;
  uint16_t StationPort;
  EFI_IPv4_ADDRESS RemoteAddress;
  uint16_t RemotePort;
  BOOLEAN ActiveFlag;
} EFI_TCP4_ACCESS_POINT;

typedef struct {
  uint8_t TypeOfService;
  uint8_t TimeToLive;
  EFI_TCP4_ACCESS_POINT AccessPoint;
  void *ControlOption;  // EFI_TCP4_OPTION; NULL: the driver's defaults
} EFI_TCP4_CONFIG_DATA;

typedef struct {
  EFI_EVENT Event;
  EFI_STATUS Status;
} EFI_TCP4_COMPLETION_TOKEN;

typedef struct {
  EFI_TCP4_COMPLETION_TOKEN CompletionToken;
  EFI_HANDLE NewChildHandle;
} EFI_TCP4_LISTEN_TOKEN;

typedef struct {
  uint32_t FragmentLength;
  void *FragmentBuffer;
} EFI_TCP4_FRAGMENT_DATA;

typedef struct {
  BOOLEAN UrgentFlag;
  uint32_t DataLength;
  uint32_t FragmentCount;
  EFI_TCP4_FRAGMENT_DATA FragmentTable[1];
} EFI_TCP4_RECEIVE_DATA;

typedef struct {
  BOOLEAN Push;
  BOOLEAN Urgent;
  uint32_t DataLength;
  uint32_t FragmentCount;
  EFI_TCP4_FRAGMENT_DATA FragmentTable[1];
} EFI_TCP4_TRANSMIT_DATA;

typedef struct {
  EFI_TCP4_COMPLETION_TOKEN CompletionToken;
  union {
    EFI_TCP4_RECEIVE_DATA *RxData;
    EFI_TCP4_TRANSMIT_DATA *TxData;
  } Packet;
} EFI_TCP4_IO_TOKEN;

typedef struct {
  EFI_TCP4_COMPLETION_TOKEN CompletionToken;
  BOOLEAN AbortOnClose;
} EFI_TCP4_CLOSE_TOKEN;

typedef struct EFI_TCP4_PROTOCOL {
  void *GetModeData;
  EFI_STATUS (*Configure)(struct EFI_TCP4_PROTOCOL *This, EFI_TCP4_CONFIG_DATA *TcpConfigData);
  void *Routes, *Connect;
  EFI_STATUS (*Accept)(struct EFI_TCP4_PROTOCOL *This, EFI_TCP4_LISTEN_TOKEN *ListenToken);
  EFI_STATUS (*Transmit)(struct EFI_TCP4_PROTOCOL *This, EFI_TCP4_IO_TOKEN *Token);
  EFI_STATUS (*Receive)(struct EFI_TCP4_PROTOCOL *This, EFI_TCP4_IO_TOKEN *Token);
  EFI_STATUS (*Close)(struct EFI_TCP4_PROTOCOL *This, EFI_TCP4_CLOSE_TOKEN *CloseToken);
  void *Cancel;
  EFI_STATUS (*Poll)(struct EFI_TCP4_PROTOCOL *This);
} EFI_TCP4_PROTOCOL;

#define EFI_IP4_CONFIG2_PROTOCOL_GUID \
  {0x5b446ed1, 0xe30b, 0x4faa, {0x87, 0x1a, 0x36, 0x54, 0xec, 0xa3, 0x60, 0x80}}

typedef enum { Ip4Config2DataTypeInterfaceInfo, Ip4Config2DataTypePolicy } EFI_IP4_CONFIG2_DATA_TYPE;
typedef enum { Ip4Config2PolicyStatic, Ip4Config2PolicyDhcp } EFI_IP4_CONFIG2_POLICY;

typedef struct {
  CHAR16 Name[32];
  uint8_t IfType;
  uint32_t HwAddressSize;
  uint8_t HwAddress[32];
  EFI_IPv4_ADDRESS StationAddress;
  EFI_IPv4_ADDRESS SubnetMask;
  uint32_t RouteTableSize;
  void *RouteTable;
} EFI_IP4_CONFIG2_INTERFACE_INFO;  // the route table follows it in GetData's buffer

typedef struct EFI_IP4_CONFIG2_PROTOCOL {
  EFI_STATUS (*SetData)(struct EFI_IP4_CONFIG2_PROTOCOL *This, EFI_IP4_CONFIG2_DATA_TYPE DataType, UINTN DataSize, void *Data);
  EFI_STATUS (*GetData)(struct EFI_IP4_CONFIG2_PROTOCOL *This, EFI_IP4_CONFIG2_DATA_TYPE DataType, UINTN *DataSize, void *Data);
} EFI_IP4_CONFIG2_PROTOCOL;

_Static_assert(offsetof(EFI_TCP4_CONFIG_DATA, AccessPoint.StationPort) == 12, "EFI_TCP4_CONFIG_DATA layout");
_Static_assert(offsetof(EFI_TCP4_CONFIG_DATA, AccessPoint.ActiveFlag) == 20, "EFI_TCP4_CONFIG_DATA layout");
_Static_assert(offsetof(EFI_TCP4_CONFIG_DATA, ControlOption) == 24, "EFI_TCP4_CONFIG_DATA layout");
_Static_assert(offsetof(EFI_TCP4_RECEIVE_DATA, FragmentTable) == 16, "EFI_TCP4_RECEIVE_DATA layout");
_Static_assert(offsetof(EFI_TCP4_TRANSMIT_DATA, FragmentTable) == 16, "EFI_TCP4_TRANSMIT_DATA layout");
_Static_assert(offsetof(EFI_TCP4_PROTOCOL, Poll) == 72, "EFI_TCP4_PROTOCOL layout");
_Static_assert(offsetof(EFI_IP4_CONFIG2_INTERFACE_INFO, StationAddress) == 104, "EFI_IP4_CONFIG2_INTERFACE_INFO layout");
_Static_assert(offsetof(EFI_MP_SERVICES_PROTOCOL, StartupAllAPs) == 16, "EFI_MP_SERVICES_PROTOCOL layout");
_Static_assert(offsetof(EFI_FILE_PROTOCOL, GetInfo) == 64, "EFI_FILE_PROTOCOL layout");
_Static_assert(offsetof(EFI_SERIAL_IO_PROTOCOL, Read) == 48, "EFI_SERIAL_IO_PROTOCOL layout");
_Static_assert(offsetof(EFI_FILE_INFO, Attribute) == 72, "EFI_FILE_INFO layout");

#endif
