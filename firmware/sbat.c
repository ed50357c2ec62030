// SBAT metadata (https://github.com/rhboot/shim/blob/main/SBAT.md): shim 15.3 and
// later start a second-stage binary only if it has a .sbat section, so this section is
// what lets a Microsoft-signed shim start uefi-llm signed with a Machine Owner Key
// (README, "Secure Boot"). One CSV line for the format, one for us; our generation
// number goes up only if a release must be revoked for a Secure Boot bypass.
#define SBAT_CSV \
  "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n" \
  "uefi-llm,1,uefi-llm,uefi-llm," UEFI_LLM_VERSION ",https://www.npmjs.com/package/uefi-llm\n"

// Exactly the text, no terminating NUL: shim reads the section as CSV up to its size.
__attribute__((used, section(".sbat"))) const char sbat[sizeof SBAT_CSV - 1] = SBAT_CSV;
