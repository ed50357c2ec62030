// What both architectures' cpu.c share: the banner's list of features.
#include "firmware.h"

const char *feature_names(const struct cpu_feature *features, size_t count, char *text, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    if (!features[i].on) continue;
    size_t length = 0;
    while (features[i].name[length]) length++;
    if (n + (n ? 1 : 0) + length + 1 > cap) break;  // the banner lists what fits
    if (n) text[n++] = ' ';
    for (size_t k = 0; k < length; k++) text[n++] = features[i].name[k];
  }
  text[n] = 0;
  return text;
}
