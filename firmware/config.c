// The few keys of uefi-llm.cfg the firmware itself acts on ("end", "screen") before the
// core starts; the core reads the whole file again and refuses what is wrong with its
// own message.
#include <string.h>

#include "firmware.h"

bool config_value(const char *text, size_t len, const char *key, const char **value, size_t *value_len) {
  bool found = false;
  size_t key_len = strlen(key);
  for (const char *line = text, *end = text + len; line < end;) {
    const char *s = line, *e = line;
    while (e < end && *e != '\n') e++;
    line = e + 1;
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    if ((size_t)(e - s) <= key_len || memcmp(s, key, key_len) != 0) continue;
    const char *v = s + key_len;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    if (v == e || *v != '=') continue;
    for (v++; v < e && (*v == ' ' || *v == '\t'); v++) {}
    *value = v, *value_len = (size_t)(e - v), found = true;
  }
  return found;
}
