// _dl_find_object for a prebuilt (portable) addon, which links libgcc's
// unwinder statically (-static-libgcc). Compiled against glibc 2.35 or later,
// that unwinder looks up a frame's unwind tables with _dl_find_object, a
// glibc 2.35 function: the binary would refuse to load on glibc 2.34 (RHEL 9,
// Amazon Linux 2023). This definition, hidden and found before libc.so at
// link time, answers the same question with dl_iterate_phdr (glibc 2.2.4).
// Only the prebuilt addon compiles it (CMakeLists.txt, TACHYON_STATIC_DEPS).
#include <dlfcn.h>
#include <link.h>

#include <cstdint>
#include <cstring>

#ifdef DLFO_EH_SEGMENT_TYPE
namespace {

struct Lookup {
  uintptr_t address;
  dl_find_object* result;
};

// dl_iterate_phdr callback: fills the result and stops (returns 1) at the
// object one of whose loadable segments contains the address.
int FindObject(dl_phdr_info* info, size_t, void* arg) {
  auto* lookup = static_cast<Lookup*>(arg);
  uintptr_t start = UINTPTR_MAX, end = 0, eh_frame = 0;
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    uintptr_t at = info->dlpi_addr + segment.p_vaddr;
    if (segment.p_type == PT_LOAD) {
      if (at < start) start = at;
      if (at + segment.p_memsz > end) end = at + segment.p_memsz;
      if (lookup->address >= at && lookup->address < at + segment.p_memsz) contains = true;
    } else if (segment.p_type == DLFO_EH_SEGMENT_TYPE) {
      eh_frame = at;
    }
  }
  if (!contains) return 0;
  std::memset(lookup->result, 0, sizeof(*lookup->result));
  lookup->result->dlfo_map_start = reinterpret_cast<void*>(start);
  lookup->result->dlfo_map_end = reinterpret_cast<void*>(end);
  lookup->result->dlfo_eh_frame = reinterpret_cast<void*>(eh_frame);
  return 1;
}

}  // namespace

// Returns 0 and fills *result when an object contains the address, else -1.
extern "C" int _dl_find_object(void* address, dl_find_object* result) noexcept {
  Lookup lookup{reinterpret_cast<uintptr_t>(address), result};
  return dl_iterate_phdr(FindObject, &lookup) ? 0 : -1;
}
#endif
