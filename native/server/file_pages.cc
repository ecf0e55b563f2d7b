// Releasing clean file pages after startup (see file_pages.h).
#include "server/file_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tachyon {

namespace {

struct Mapping {
  uintptr_t start = 0, end = 0;
  bool candidate = false;  // private, not writable, backed by a file
  size_t rss_kb = 0, anon_kb = 0;
};

}  // namespace

size_t ReleaseCleanFilePages() {
#ifdef __linux__
  FILE* f = fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  // Read every mapping first: madvise while reading smaps would change it under us.
  std::vector<Mapping> maps;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    unsigned long start, end;
    char perms[8];
    int path_at = 0;
    // A header line: "start-end perms offset dev inode [path]".
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) == 3 && path_at > 0) {
      Mapping m;
      m.start = start;
      m.end = end;
      m.candidate = perms[1] == '-' && perms[3] == 'p' && line[path_at] == '/';
      maps.push_back(m);
      continue;
    }
    if (maps.empty()) continue;
    if (strncmp(line, "Rss:", 4) == 0) maps.back().rss_kb = strtoull(line + 4, nullptr, 10);
    else if (strncmp(line, "Anonymous:", 10) == 0) maps.back().anon_kb = strtoull(line + 10, nullptr, 10);
  }
  fclose(f);
  size_t released = 0;
  for (const Mapping& m : maps) {
    // A relocated read-only segment (RELRO) holds private copies: dropping
    // them would bring back the file's unrelocated bytes, so such mappings stay.
    if (!m.candidate || m.anon_kb != 0 || m.rss_kb == 0) continue;
    if (madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) == 0) released += m.rss_kb * 1024;
  }
  return released;
#else
  return 0;
#endif
}

}  // namespace tachyon
