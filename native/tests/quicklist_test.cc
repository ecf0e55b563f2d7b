// Quicklist: node layouts checked against redis-server 7.0.15 (DEBUG OBJECT
// ql_nodes / ql_uncompressed_size after the same commands), plus randomized
// list operations against a std::deque oracle, with and without plain nodes.
#include "core/quicklist.h"

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "tests/check.h"

using namespace tachyon;

namespace {

size_t TotalSize(const Quicklist& ql) {
  size_t n = 0;
  for (const QuicklistNode* x = ql.head(); x; x = x->next) n += x->sz();
  if (n != ql.TotalNodeBytes()) return 0;
  return n;
}

std::vector<std::string> Contents(Quicklist& ql, bool forward = true) {
  std::vector<std::string> out;
  Quicklist::Iterator it = ql.GetIterator(forward);
  QlEntry e;
  while (it.Next(&e)) out.push_back(e.value.ToString());
  return out;
}

// LINSERT semantics: first element equal to pivot, from the head.
bool LInsert(Quicklist& ql, bool after, const std::string& pivot, const std::string& v) {
  Quicklist::Iterator it = ql.GetIterator(true);
  QlEntry e;
  while (it.Next(&e)) {
    if (e.value.Equals(pivot)) {
      if (after) {
        ql.InsertAfter(e, v);
      } else {
        ql.InsertBefore(e, v);
      }
      return true;
    }
  }
  return false;
}

// LREM semantics: count > 0 from the head, < 0 from the tail, 0 all.
long LRem(Quicklist& ql, long count, const std::string& v) {
  Quicklist::Iterator it = ql.GetIterator(count >= 0);
  const long limit = count < 0 ? -count : count;
  QlEntry e;
  long removed = 0;
  while (it.Next(&e)) {
    if (e.value.Equals(v)) {
      it.DelEntry(&e);
      if (++removed == limit) break;
    }
  }
  return removed;
}

std::string RandomValue(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return std::to_string(static_cast<int64_t>(rng() % 200000) - 100000);
    case 1: return std::string(1 + rng() % 20, static_cast<char>('a' + rng() % 6));
    case 2:
    case 3: return std::string(50 + rng() % 650, 'v');
    case 4: return std::string(rng() % 3, 'e');
    default: return std::string(2000 + rng() % 3000, 'w');
  }
}

}  // namespace

TEST(ListsAreQuicklistFromTheFirstElement) {
  // Redis 7.0.15: RPUSH l a b c -> OBJECT ENCODING "quicklist", ql_nodes:1,
  // ql_uncompressed_size:16 (a 3-element listpack).
  Quicklist ql;
  ql.PushTail("a");
  ql.PushTail("b");
  ql.PushTail("c");
  CHECK_EQ(ql.node_count(), size_t{1});
  CHECK_EQ(TotalSize(ql), size_t{16});
  CHECK_EQ(ql.fill(), -2);
  CHECK_EQ(ql.compress_depth(), 0);
}

TEST(SizeLimitedFillMatchesRedis) {
  // fill -2 (8 KB): 682 x RPUSH of a 10-byte string -> 2 nodes, 8198 bytes
  // (the 8-byte estimate stops the first node at 681 entries).
  Quicklist ql(-2);
  for (int i = 0; i < 682; ++i) ql.PushTail("aaaaaaaaaa");
  CHECK_EQ(ql.node_count(), size_t{2});
  CHECK_EQ(TotalSize(ql), size_t{8198});
  CHECK_EQ(ql.head()->count, 681u);
  ql.PushTail("aaaaaaaaaa");
  CHECK_EQ(TotalSize(ql), size_t{8210});
  CHECK(ql.CheckInvariants());
}

TEST(CountLimitedFillMatchesRedis) {
  // fill 1000: 100 x RPUSH of 100 bytes -> 2 nodes (8 KB safety limit).
  Quicklist ql(1000);
  for (int i = 0; i < 100; ++i) ql.PushTail(std::string(100, 'x'));
  CHECK_EQ(ql.node_count(), size_t{2});
  CHECK_EQ(ql.head()->count, 79u);
  CHECK_EQ(TotalSize(ql), size_t{10314});
  // fill 0 behaves as 1 entry per node.
  Quicklist one(0);
  one.PushTail("a");
  one.PushTail("b");
  one.PushHead("c");
  CHECK_EQ(one.node_count(), size_t{3});
  CHECK_EQ(TotalSize(one), size_t{30});
  // fill 3, then LINSERT BEFORE 4 new / AFTER 8 x -> 5 nodes, 63 bytes.
  Quicklist three(3);
  for (int i = 0; i < 10; ++i) three.PushTail(std::to_string(i));
  CHECK(LInsert(three, false, "4", "new"));
  CHECK(three.InsertAtPivot("8", "x", true));
  CHECK(!three.InsertAtPivot("nope", "x", true));
  CHECK_EQ(three.node_count(), size_t{5});
  CHECK_EQ(TotalSize(three), size_t{63});
  CHECK(Contents(three) == std::vector<std::string>(
                               {"0", "1", "2", "3", "new", "4", "5", "6", "7", "8", "x", "9"}));
  CHECK(three.CheckInvariants());
}

TEST(SplitAndMergeMatchRedis) {
  // fill -1 (4 KB): RPUSH 8 x 500-byte strings a..h, then
  // LINSERT AFTER <d x 500> <X x n>. Redis 7.0.15 results (nodes, bytes):
  // the split halves are merged back while a + b - 11 <= 4096, so a merged
  // node can reach 4100 bytes.
  const struct {
    int n;
    size_t nodes, bytes;
  } cases[] = {{55, 1, 4096}, {56, 1, 4097}, {57, 1, 4098}, {58, 1, 4099},
               {59, 1, 4100}, {60, 2, 4108}};
  for (const auto& c : cases) {
    Quicklist ql(-1);
    for (int i = 0; i < 8; ++i) ql.PushTail(std::string(500, static_cast<char>('a' + i)));
    CHECK(LInsert(ql, true, std::string(500, 'd'), std::string(c.n, 'X')));
    CHECK_EQ(ql.node_count(), c.nodes);
    CHECK_EQ(TotalSize(ql), c.bytes);
    CHECK(ql.CheckInvariants());
    const std::vector<std::string> got = Contents(ql);
    CHECK_EQ(got[4], std::string(c.n, 'X'));
  }
  // Same with 12 elements and larger inserted values.
  const struct {
    int n;
    size_t nodes, bytes;
  } more[] = {{40, 2, 6104}, {60, 3, 6131}, {100, 3, 6172}, {200, 3, 6273},
              {300, 3, 6373}, {400, 3, 6473}, {480, 3, 6553}};
  for (const auto& c : more) {
    Quicklist ql(-1);
    for (int i = 0; i < 12; ++i) ql.PushTail(std::string(500, static_cast<char>('a' + i)));
    CHECK(LInsert(ql, true, std::string(500, 'd'), std::string(c.n, 'X')));
    CHECK_EQ(ql.node_count(), c.nodes);
    CHECK_EQ(TotalSize(ql), c.bytes);
    CHECK(ql.CheckInvariants());
  }
}

TEST(FillAndThresholdSettings) {
  Quicklist ql;
  ql.SetFill(-7);
  CHECK_EQ(ql.fill(), -5);
  ql.SetFill(70000);
  CHECK_EQ(ql.fill(), 32767);
  ql.SetCompressDepth(-1);
  CHECK_EQ(ql.compress_depth(), 0);
  ql.SetCompressDepth(3);
  CHECK_EQ(ql.compress_depth(), 3);  // accepted, but nodes stay uncompressed
  CHECK_EQ(Quicklist::PackedThreshold(), size_t{1} << 30);
  CHECK(!Quicklist::SetPackedThreshold((size_t{1} << 32)));
  CHECK(Quicklist::SetPackedThreshold(100));
  CHECK_EQ(Quicklist::PackedThreshold(), size_t{100});
  CHECK(Quicklist::SetPackedThreshold(0));
  CHECK_EQ(Quicklist::PackedThreshold(), size_t{1} << 30);
}

TEST(PlainNodesForLargeElements) {
  Quicklist::SetPackedThreshold(100);
  Quicklist ql;
  ql.PushTail("a");
  ql.PushTail(std::string(100, 'P'));  // >= threshold: own plain node
  ql.PushTail("b");
  ql.PushHead(std::string(150, 'Q'));
  CHECK_EQ(ql.node_count(), size_t{4});
  CHECK_EQ(ql.CountPlainNodes(), size_t{2});
  QlEntry e;
  CHECK(ql.Index(2, &e));
  CHECK(e.node->is_plain);
  CHECK_EQ(e.value.sv(), std::string(100, 'P'));
  // "123" in a plain node stays a string; replacing plain with small.
  CHECK(ql.ReplaceAtIndex(2, "123"));
  CHECK_EQ(ql.CountPlainNodes(), size_t{1});
  // Replacing a packed element with a large one splits its node.
  for (int i = 0; i < 5; ++i) ql.PushTail(std::to_string(i));
  CHECK(ql.ReplaceAtIndex(-3, std::string(200, 'R')));
  CHECK(Contents(ql) == std::vector<std::string>({std::string(150, 'Q'), "a", "123", "b", "0",
                                                  "1", std::string(200, 'R'), "3", "4"}));
  CHECK(ql.CheckInvariants());
  std::string out;
  CHECK(ql.PopHead(&out));
  CHECK_EQ(out, std::string(150, 'Q'));
  Quicklist::SetPackedThreshold(0);
}

TEST(IndexReplaceDelRange) {
  Quicklist ql(3);
  for (int i = 0; i < 20; ++i) ql.PushTail(std::to_string(i));
  QlEntry e;
  CHECK(ql.Index(0, &e) && e.value.is_int() && e.value.ival == 0);
  CHECK(ql.Index(-1, &e) && e.value.ival == 19);
  CHECK(ql.Index(10, &e) && e.value.ival == 10);
  CHECK(!ql.Index(20, &e));
  CHECK(!ql.Index(-21, &e));
  CHECK(ql.ReplaceAtIndex(-2, "eighteen"));
  CHECK(!ql.ReplaceAtIndex(20, "x"));
  CHECK(ql.Index(18, &e) && e.value.ToString() == "eighteen");
  CHECK_EQ(ql.DelRange(2, 3), size_t{3});
  CHECK_EQ(ql.DelRange(-2, 10), size_t{2});
  CHECK_EQ(ql.DelRange(100, 1), size_t{0});
  CHECK_EQ(ql.DelRange(0, 0), size_t{0});
  CHECK_EQ(ql.DelRange(-100, 5), size_t{0});
  CHECK(Contents(ql) == std::vector<std::string>(
                            {"0", "1", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
                             "16", "17"}));
  CHECK(Contents(ql, false).front() == "17");
  CHECK(ql.CheckInvariants());
  CHECK_EQ(ql.DelRange(0, 1000), size_t{15});
  CHECK(ql.empty());
  CHECK_EQ(ql.node_count(), size_t{0});
  std::string out;
  CHECK(!ql.PopTail(&out));
}

TEST(IteratorsFromIndexBothWays) {
  Quicklist ql(4);
  for (int i = 0; i < 30; ++i) ql.PushTail("v" + std::to_string(i));
  for (long start : {0L, 3L, 4L, 17L, 29L, -1L, -5L, -30L}) {
    const long s = start < 0 ? start + 30 : start;
    Quicklist::Iterator f = ql.GetIteratorAtIndex(true, start);
    QlEntry e;
    long i = s;
    bool ok = true;
    while (f.Next(&e)) ok = ok && e.value.ToString() == "v" + std::to_string(i++);
    CHECK(ok);
    CHECK_EQ(i, 30L);
    Quicklist::Iterator b = ql.GetIteratorAtIndex(false, start);
    i = s;
    while (b.Next(&e)) ok = ok && e.value.ToString() == "v" + std::to_string(i--);
    CHECK(ok);
    CHECK_EQ(i, -1L);
  }
  Quicklist::Iterator none = ql.GetIteratorAtIndex(true, 30);
  QlEntry e;
  CHECK(!none.Next(&e));
  // Delete while iterating backwards: every other element.
  Quicklist::Iterator it = ql.GetIterator(false);
  int k = 0;
  while (it.Next(&e)) {
    if (k++ % 2 == 0) it.DelEntry(&e);
  }
  CHECK_EQ(ql.size(), size_t{15});
  const std::vector<std::string> left = Contents(ql);
  CHECK(left.front() == "v0" && left.back() == "v28");
  CHECK(ql.CheckInvariants());
}

TEST(CopyMoveAndRdbNodes) {
  Quicklist ql(5);
  for (int i = 0; i < 23; ++i) ql.PushHead(std::to_string(i * 3));
  Quicklist copy(ql);
  CHECK(Contents(copy) == Contents(ql));
  CHECK_EQ(copy.node_count(), ql.node_count());
  CHECK_EQ(copy.fill(), 5);
  Quicklist moved(std::move(copy));
  CHECK(copy.empty());
  CHECK_EQ(moved.size(), size_t{23});
  copy.PushTail("still usable");
  CHECK_EQ(copy.size(), size_t{1});
  // Rebuild from node payloads like the RDB loader would.
  Quicklist loaded(5);
  for (const QuicklistNode* n = ql.head(); n; n = n->next) {
    Listpack lp;
    CHECK(Listpack::FromBytes(n->lp.view(), &lp));
    loaded.AppendListpackNode(std::move(lp));
  }
  loaded.AppendPlainNode(std::string(10, 'p'));
  CHECK_EQ(loaded.size(), size_t{24});
  CHECK_EQ(loaded.node_count(), ql.node_count() + 1);
  CHECK(loaded.CheckInvariants());
  std::string out;
  CHECK(loaded.PopTail(&out) && out == std::string(10, 'p'));
  CHECK(Contents(loaded) == Contents(ql));
  ql = loaded;
  CHECK(Contents(ql) == Contents(loaded));
}

TEST(RandomizedAgainstDeque) {
  std::mt19937_64 rng(77);
  const int fills[] = {-1, -2, -5, 0, 1, 2, 5, 128};
  for (int round = 0; round < 48; ++round) {
    const bool small_threshold = round % 3 == 0;
    Quicklist::SetPackedThreshold(small_threshold ? 1500 : 0);
    Quicklist ql(fills[round % 8]);
    std::deque<std::string> ref;
    for (int step = 0; step < 300; ++step) {
      const int op = static_cast<int>(rng() % 12);
      const std::string v = RandomValue(rng);
      const long n = static_cast<long>(ref.size());
      if (op <= 1) {
        ql.PushTail(v);
        ref.push_back(v);
      } else if (op == 2) {
        ql.PushHead(v);
        ref.push_front(v);
      } else if (op == 3 && n > 0) {
        std::string out;
        CHECK(ql.PopHead(&out));
        CHECK_EQ(out, ref.front());
        ref.pop_front();
      } else if (op == 4 && n > 0) {
        std::string out;
        CHECK(ql.PopTail(&out));
        CHECK_EQ(out, ref.back());
        ref.pop_back();
      } else if (op == 5 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        const long idx = rng() % 2 ? i : i - n;
        CHECK(ql.ReplaceAtIndex(idx, v));
        ref[i] = v;
      } else if ((op == 6 || op == 7) && n > 0) {
        const long i = static_cast<long>(rng() % n);
        QlEntry e;
        CHECK(ql.Index(rng() % 2 ? i : i - n, &e));
        if (op == 6) {
          ql.InsertBefore(e, v);
          ref.insert(ref.begin() + i, v);
        } else {
          ql.InsertAfter(e, v);
          ref.insert(ref.begin() + i + 1, v);
        }
      } else if (op == 8 && n > 0) {
        const long start = static_cast<long>(rng() % (2 * n + 2)) - n - 1;
        const long cnt = static_cast<long>(rng() % 6);
        const size_t del = ql.DelRange(start, cnt);
        long s = start < 0 ? start + n : start;
        size_t expect = 0;
        if (cnt > 0 && s >= 0 && s < n) {
          long e = s + cnt;
          if (start < 0 && cnt > -start) e = n;  // clamp to the list end
          if (e > n) e = n;
          expect = static_cast<size_t>(e - s);
          ref.erase(ref.begin() + s, ref.begin() + e);
        }
        CHECK_EQ(del, expect);
      } else if (op == 9 && n > 0) {
        const std::string target = ref[rng() % n];
        const long count = static_cast<long>(rng() % 5) - 2;
        const long removed = LRem(ql, count, target);
        long expect = 0;
        const long limit = count < 0 ? -count : count;
        if (count >= 0) {
          for (auto it = ref.begin(); it != ref.end();) {
            if (*it == target && (limit == 0 || expect < limit)) {
              it = ref.erase(it);
              ++expect;
            } else {
              ++it;
            }
          }
        } else {
          for (long i = n - 1; i >= 0; --i) {
            if (ref[i] == target && expect < limit) {
              ref.erase(ref.begin() + i);
              ++expect;
            }
          }
        }
        CHECK_EQ(removed, expect);
      } else if (op == 10 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        QlEntry e;
        CHECK(ql.Index(i - n, &e));
        CHECK_EQ(e.value.ToString(), ref[i]);
      }
      CHECK_EQ(ql.size(), ref.size());
      if (step % 25 == 0) CHECK(ql.CheckInvariants());
    }
    CHECK(ql.CheckInvariants());
    const std::vector<std::string> expect(ref.begin(), ref.end());
    CHECK(Contents(ql) == expect);
    CHECK(Contents(ql, false) == std::vector<std::string>(expect.rbegin(), expect.rend()));
    if (!small_threshold) CHECK_EQ(ql.CountPlainNodes(), size_t{0});
    // No packed node is ever empty or above its fill limit by more than the
    // merge quirk allows (count limits are exact).
    for (const QuicklistNode* x = ql.head(); x; x = x->next) {
      if (x->is_plain) continue;
      if (ql.fill() > 0) CHECK(x->count <= static_cast<uint32_t>(ql.fill()) || x->count == 1);
    }
  }
  Quicklist::SetPackedThreshold(0);
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
