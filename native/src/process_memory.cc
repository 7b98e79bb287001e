#include "process_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace custodian {

std::vector<std::pair<uintptr_t, uintptr_t>> AnonymousMappings() {
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  FILE *maps = std::fopen("/proc/self/maps", "r");
  if (!maps) return ranges;
  // "start-end perms offset major:minor inode [path]"; anonymous mappings have inode 0 and no
  // path (named ones such as [heap] or [stack] are left out).
  char line[4096];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    char perms[8] = {0};
    int consumed = 0;
    if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu%n", &start, &end, perms, &offset, &major, &minor, &inode,
                    &consumed) < 7)
      continue;
    const char *rest = line + consumed;
    while (*rest == ' ' || *rest == '\t') ++rest;
    const bool named = *rest != '\n' && *rest != '\0';
    if (inode != 0 || named || std::strncmp(perms, "rw-p", 4) != 0) continue;
    ranges.emplace_back(static_cast<uintptr_t>(start), static_cast<uintptr_t>(end));
  }
  std::fclose(maps);
  return ranges;
}

int AdviseHugePages(uintptr_t start, uintptr_t end) {
#ifdef MADV_HUGEPAGE
  if (end <= start) return EINVAL;
  return madvise(reinterpret_cast<void *>(start), end - start, MADV_HUGEPAGE) == 0 ? 0 : errno;
#else
  (void)start;
  (void)end;
  return EINVAL;
#endif
}

}  // namespace custodian
