// Page-backed blocks (core/page_alloc.h) and the reply queue built on them
// (binding/output_queue.h, header-only, no Node): sizes, used_memory
// accounting, the bounded recycle pool, and that queued bytes come out in order.
#include "core/page_alloc.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "binding/output_queue.h"
#include "core/zmalloc.h"
#include "tests/check.h"

using namespace tachyon;

TEST(page_alloc_sizes_and_accounting) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t before = ZUsedMemory();
  size_t mapped = 0;
  void* small = PageAlloc(1, &mapped);
  CHECK_EQ(mapped, page);
  memset(small, 0xab, mapped);
  size_t big_mapped = 0;
  void* big = PageAlloc(kPageBlockSize * 3 + 1, &big_mapped);
  CHECK_EQ(big_mapped, (kPageBlockSize * 3 + 1 + page - 1) / page * page);
  memset(big, 0xcd, big_mapped);
  CHECK_EQ(ZUsedMemory(), before + mapped + big_mapped);
  PageFree(small, mapped);
  PageFree(big, big_mapped);
  CHECK_EQ(ZUsedMemory(), before);
}

TEST(page_alloc_pool_recycles_and_is_bounded) {
  const size_t before = ZUsedMemory();
  const size_t pooled_before = PagePoolSize();
  std::vector<void*> blocks;
  size_t mapped = 0;
  for (int i = 0; i < 100; i++) {
    blocks.push_back(PageAlloc(kPageBlockSize, &mapped));
    CHECK_EQ(mapped, kPageBlockSize);
  }
  CHECK_EQ(ZUsedMemory(), before + 100 * kPageBlockSize);
  for (void* p : blocks) PageFree(p, kPageBlockSize);
  // Pooled blocks are free memory: not counted, and only a few are kept.
  CHECK_EQ(ZUsedMemory(), before);
  const size_t pooled = PagePoolSize();
  CHECK_EQ(pooled, size_t{32});
  // The next block comes from the pool: the last one that found room there
  // (the rest were unmapped).
  void* again = PageAlloc(kPageBlockSize, &mapped);
  CHECK_EQ(PagePoolSize(), pooled - 1);
  CHECK(again == blocks[pooled - pooled_before - 1]);
  CHECK_EQ(ZUsedMemory(), before + kPageBlockSize);
  PageFree(again, mapped);
}

TEST(output_queue_counts_its_blocks_and_keeps_order) {
  const size_t before = ZUsedMemory();
  std::string expected;
  {
    OutputQueue q;
    for (int i = 0; i < 5000; i++) {
      std::string s = "+reply " + std::to_string(i) + "\r\n";
      q.Append(s.data(), s.size());
      expected += s;
    }
    std::string large(70000, 'x');  // bigger than a block: one block of its own
    q.Append(large.data(), large.size());
    expected += large;
    CHECK_EQ(q.size(), expected.size());
    CHECK(q.memory() >= expected.size());
    CHECK_EQ(ZUsedMemory(), before + q.memory());
    std::string out;
    while (!q.empty()) {
      struct iovec iov[4];
      int n = q.Gather(iov, 4);
      CHECK(n > 0);
      // Write a part of the first block only, as a short writev would.
      size_t take = iov[0].iov_len > 1000 ? 1000 : iov[0].iov_len;
      out.append(static_cast<const char*>(iov[0].iov_base), take);
      q.Consume(take);
    }
    CHECK(out == expected);
    CHECK_EQ(q.memory(), size_t{0});
    CHECK_EQ(ZUsedMemory(), before);
    q.Append("tail", 4);  // freed by the destructor
  }
  CHECK_EQ(ZUsedMemory(), before);
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
