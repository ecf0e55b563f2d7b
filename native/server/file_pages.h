// Releasing the page-table entries of clean, read-only file mappings.
//
// Node touches about 40 MB of its own executable while it boots (the module
// loader, the snapshot deserializer, the parser and compilers), most of which
// a running server never executes again; those pages stay in its RSS. Once
// the server has started, tachyon-server drops its mappings of them. The pages
// remain in the page cache, so the code a request needs later comes back with
// one minor fault, never a disk read.
#pragma once

#include <cstddef>

namespace tachyon {

// madvise(MADV_DONTNEED) over every private, non-writable file mapping of this
// process that holds no anonymous (copy-on-write) page, so that no byte of
// content can change. Returns the resident bytes those mappings held (0 where
// /proc/self/smaps cannot be read).
size_t ReleaseCleanFilePages();

}  // namespace tachyon
