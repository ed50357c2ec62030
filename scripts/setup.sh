#!/usr/bin/env bash
# Set up a Debian/Ubuntu machine for uefi-llm: the system packages the build and the
# tests call, then the npm dependencies (whose `prepare` step builds the core and CLI).
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  clang        # compiles the wasm2c output and the firmware shim for the UEFI target
  lld          # lld-link: links BOOTX64.EFI
  libsimde-dev # SIMDe: the C that wasm2c (npm 'wabt') writes for wasm's v128 operations
  qemu-system-x86
  ovmf         # UEFI firmware for QEMU
  qemu-system-arm  # boots BOOTAA64.EFI: qemu-system-aarch64
  qemu-efi-aarch64 # AAVMF, UEFI firmware for QEMU's ARM64 virt machine
  mtools       # tests: read the FAT file system back
  dosfstools   # tests: fsck.fat
  gdisk        # tests: sgdisk -v
  sbsigntool   # image --sign-key: sbsign (and sbverify in the tests)
  efitools     # keys: cert-to-efi-sig-list, sign-efi-sig-list
  openssl      # keys: the key pairs and certificates
  util-linux   # flash: lsblk, blockdev; tests: losetup
  curl         # tests: a real HTTP client against serve
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's Microsoft-signed shim and its MokManager, for test/shim.test.ts: unpacked into
# build/shim, not installed (the package would pull in GRUB and change the boot setup of
# this machine). Where the archive does not have them, that test says so and is skipped.
shim_dir=build/shim
if [ ! -f "$shim_dir/usr/lib/shim/mmx64.efi.signed" ]; then
  mkdir -p "$shim_dir/debs"
  if (cd "$shim_dir/debs" && apt-get download -qq shim-signed shim-helpers-amd64-signed 2>/dev/null); then
    for deb in "$shim_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$shim_dir"; done
  else
    echo "setup: Debian's shim-signed is not in this machine's package lists; the shim test will be skipped"
  fi
  rm -rf "$shim_dir/debs"
fi

npm ci --no-audit --no-fund
