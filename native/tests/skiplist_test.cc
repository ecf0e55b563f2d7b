// ZSkipList: randomized operations against an ordered std::set oracle
// (ranks, score and lex ranges, range deletions, score updates), plus the
// range parsers checked against redis-server 7.0.15 behaviour.
#include "core/skiplist.h"

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/check.h"

using namespace tachyon;

namespace {

struct Less {
  bool operator()(const std::pair<double, std::string>& a,
                  const std::pair<double, std::string>& b) const {
    if (a.first != b.first) return a.first < b.first;
    return ZslCompareMembers(a.second, b.second) < 0;
  }
};
using Entry = std::pair<double, std::string>;
using Oracle = std::set<Entry, Less>;
using Entries = std::vector<Entry>;

std::vector<std::pair<double, std::string>> Dump(const ZSkipList& zsl) {
  std::vector<std::pair<double, std::string>> out;
  for (ZSkipNode* x = zsl.first(); x; x = x->next()) out.emplace_back(x->score, std::string(x->member()));
  return out;
}

std::vector<std::pair<double, std::string>> DumpBackward(const ZSkipList& zsl) {
  std::vector<std::pair<double, std::string>> out;
  for (ZSkipNode* x = zsl.last(); x; x = x->prev()) out.emplace_back(x->score, std::string(x->member()));
  return out;
}

std::string RandomMember(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0: return std::string(1, static_cast<char>('a' + rng() % 6));
    case 1: {
      std::string s(rng() % 4, '\0');
      for (auto& c : s) c = static_cast<char>(rng() % 256);  // binary, high bytes
      return s;
    }
    case 2: return "m" + std::to_string(rng() % 500);
    default: return std::string(rng() % 100, static_cast<char>('a' + rng() % 3));
  }
}

double RandomScore(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return static_cast<double>(rng() % 5);  // many ties
    case 1: return -static_cast<double>(rng() % 1000) / 8;
    case 2: return rng() % 20 == 0 ? INFINITY : -INFINITY;
    default: return static_cast<double>(static_cast<int64_t>(rng() % 2000) - 1000) / 4;
  }
}

ZRangeSpec RandomRange(std::mt19937_64& rng) {
  ZRangeSpec r;
  r.min = RandomScore(rng);
  r.max = rng() % 4 == 0 ? r.min : RandomScore(rng);
  if (rng() % 3 == 0 && r.min > r.max) std::swap(r.min, r.max);
  r.minex = rng() % 2;
  r.maxex = rng() % 2;
  return r;
}

ZLexBound RandomLexBound(std::mt19937_64& rng) {
  ZLexBound b;
  const int k = static_cast<int>(rng() % 10);
  if (k == 0) {
    b.kind = ZLexBound::kMinusInf;
    b.exclusive = true;
  } else if (k == 1) {
    b.kind = ZLexBound::kPlusInf;
    b.exclusive = true;
  } else {
    b.kind = ZLexBound::kValue;
    b.exclusive = rng() % 2;
    b.value = RandomMember(rng);
  }
  return b;
}

bool InRange(double s, const ZRangeSpec& r) { return ZslValueGteMin(s, r) && ZslValueLteMax(s, r); }
bool InLex(const std::string& m, const ZLexRangeSpec& r) {
  return ZslLexValueGteMin(m, r) && ZslLexValueLteMax(m, r);
}

}  // namespace

TEST(BasicOrderAndRanks) {
  ZSkipList zsl;
  zsl.Insert(2, "b");
  zsl.Insert(1, "z");
  zsl.Insert(2, "a");
  zsl.Insert(2, "ab");
  zsl.Insert(-INFINITY, "low");
  zsl.Insert(INFINITY, "high");
  zsl.Insert(2, "");
  CHECK(zsl.CheckInvariants());
  const auto d = Dump(zsl);
  const std::vector<std::string> members = {"low", "z", "", "a", "ab", "b", "high"};
  CHECK_EQ(d.size(), members.size());
  for (size_t i = 0; i < d.size() && i < members.size(); ++i) CHECK_EQ(d[i].second, members[i]);
  CHECK_EQ(zsl.GetRank(2, "ab"), 5ul);
  CHECK_EQ(zsl.GetRank(2, "zz"), 0ul);
  CHECK_EQ(zsl.GetRank(3, "ab"), 0ul);  // wrong score
  CHECK_EQ(zsl.GetByRank(1)->member(), "low");
  CHECK_EQ(zsl.GetByRank(7)->member(), "high");
  CHECK(zsl.GetByRank(0) == nullptr);
  CHECK(zsl.GetByRank(8) == nullptr);
  CHECK(zsl.Find(2, "a") != nullptr);
  CHECK(zsl.Find(2.5, "a") == nullptr);
  CHECK(zsl.Delete(2, "a"));
  CHECK(!zsl.Delete(2, "a"));
  CHECK(!zsl.Delete(1, "b"));
  CHECK_EQ(zsl.length(), 6ul);
  CHECK(zsl.CheckInvariants());
  // Binary-safe member bytes: 0xFF sorts after 'z', "\0" after "".
  ZSkipList bin;
  bin.Insert(0, std::string("\xff", 1));
  bin.Insert(0, "z");
  bin.Insert(0, std::string("\0", 1));
  bin.Insert(0, "");
  const auto bd = Dump(bin);
  CHECK(bd[0].second.empty());
  CHECK(bd[1].second == std::string("\0", 1));
  CHECK(bd[2].second == "z");
  CHECK(bd[3].second == std::string("\xff", 1));
}

TEST(UpdateScoreKeepsNode) {
  ZSkipList zsl;
  ZSkipNode* a = zsl.Insert(1, "a");
  zsl.Insert(2, "b");
  zsl.Insert(3, "c");
  // In place: stays strictly between neighbours.
  CHECK(zsl.UpdateScore(2, "b", 2.5) == zsl.Find(2.5, "b"));
  CHECK(zsl.CheckInvariants());
  // Relinked: the same node moves to the end, its member bytes unchanged.
  const char* member_addr = a->member().data();
  ZSkipNode* moved = zsl.UpdateScore(1, "a", 10);
  CHECK(moved == a);
  CHECK(a->member().data() == member_addr);
  CHECK(zsl.last() == a);
  CHECK_EQ(zsl.GetRank(10, "a"), 3ul);
  // Equal score with a neighbour is not "in place" (strict comparisons).
  zsl.UpdateScore(10, "a", 3);
  CHECK(zsl.CheckInvariants());
  const auto d = Dump(zsl);
  CHECK(d[1].second == "a" && d[2].second == "c");
}

TEST(RandomizedAgainstOrderedSet) {
  std::mt19937_64 rng(2024);
  ZSkipList::SeedRandom(77);
  for (int round = 0; round < 12; ++round) {
    ZSkipList zsl;
    Oracle ref;
    std::map<std::string, double> score_of;
    for (int step = 0; step < 1500; ++step) {
      const int op = static_cast<int>(rng() % 10);
      const std::string m = RandomMember(rng);
      auto it = score_of.find(m);
      if (op < 5) {
        if (it == score_of.end()) {
          const double s = RandomScore(rng);
          ZSkipNode* n = zsl.Insert(s, m);
          CHECK(n->member() == m && n->score == s);
          ref.emplace(s, m);
          score_of[m] = s;
        }
      } else if (op < 7) {
        if (it != score_of.end()) {
          CHECK(zsl.Delete(it->second, m));
          ref.erase(Entry(it->second, m));
          score_of.erase(it);
        } else {
          CHECK(!zsl.Delete(0, m));
        }
      } else if (op < 9) {
        if (it != score_of.end()) {
          const double ns = rng() % 2 ? RandomScore(rng) : it->second + 0.25;
          ZSkipNode* n = zsl.UpdateScore(it->second, m, ns);
          CHECK(n->member() == m && n->score == ns);
          ref.erase(Entry(it->second, m));
          ref.emplace(ns, m);
          it->second = ns;
        }
      } else if (!ref.empty()) {
        // Rank checks.
        const unsigned long r = 1 + rng() % ref.size();
        auto rit = ref.begin();
        std::advance(rit, r - 1);
        ZSkipNode* n = zsl.GetByRank(r);
        CHECK(n != nullptr && n->member() == rit->second && n->score == rit->first);
        CHECK_EQ(zsl.GetRank(rit->first, rit->second), r);
      }
    }
    CHECK(zsl.CheckInvariants());
    CHECK_EQ(zsl.length(), static_cast<unsigned long>(ref.size()));
    const std::vector<std::pair<double, std::string>> expect(ref.begin(), ref.end());
    CHECK(Dump(zsl) == expect);
    CHECK(DumpBackward(zsl) == Entries(expect.rbegin(), expect.rend()));
    unsigned long rank = 0;
    bool ranks_ok = true;
    for (const auto& e : expect) ranks_ok = ranks_ok && zsl.GetRank(e.first, e.second) == ++rank;
    CHECK(ranks_ok);
  }
}

TEST(ScoreRangesAgainstOracle) {
  std::mt19937_64 rng(31337);
  for (int round = 0; round < 30; ++round) {
    ZSkipList zsl;
    Oracle ref;
    const int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      const std::string m = "m" + std::to_string(i);
      const double s = RandomScore(rng);
      zsl.Insert(s, m);
      ref.emplace(s, m);
    }
    for (int q = 0; q < 200; ++q) {
      const ZRangeSpec r = RandomRange(rng);
      const std::pair<double, std::string>* first = nullptr;
      const std::pair<double, std::string>* last = nullptr;
      for (const auto& e : ref) {
        if (InRange(e.first, r)) {
          if (!first) first = &e;
          last = &e;
        }
      }
      ZSkipNode* f = zsl.FirstInRange(r);
      ZSkipNode* l = zsl.LastInRange(r);
      CHECK_EQ(f != nullptr, first != nullptr);
      CHECK_EQ(l != nullptr, last != nullptr);
      // IsInRange is Redis's quick overlap test: it may be true for a range
      // falling between two elements, but never false for a non-empty one.
      if (first != nullptr) CHECK(zsl.IsInRange(r));
      if (f && first) CHECK(f->member() == first->second);
      if (l && last) CHECK(l->member() == last->second);
    }
  }
}

TEST(LexRangesAgainstOracle) {
  std::mt19937_64 rng(555);
  for (int round = 0; round < 30; ++round) {
    ZSkipList zsl;
    std::set<std::string, bool (*)(const std::string&, const std::string&)> ref(
        [](const std::string& a, const std::string& b) { return ZslCompareMembers(a, b) < 0; });
    const int n = static_cast<int>(rng() % 150);
    for (int i = 0; i < n; ++i) {
      const std::string m = RandomMember(rng);
      if (ref.insert(m).second) zsl.Insert(0, m);  // lex ranges need equal scores
    }
    for (int q = 0; q < 200; ++q) {
      ZLexRangeSpec r;
      r.min = RandomLexBound(rng);
      r.max = RandomLexBound(rng);
      const std::string* first = nullptr;
      const std::string* last = nullptr;
      for (const auto& m : ref) {
        if (InLex(m, r)) {
          if (!first) first = &m;
          last = &m;
        }
      }
      ZSkipNode* f = zsl.FirstInLexRange(r);
      ZSkipNode* l = zsl.LastInLexRange(r);
      CHECK_EQ(f != nullptr, first != nullptr);
      CHECK_EQ(l != nullptr, last != nullptr);
      if (f && first) CHECK(f->member() == *first);
      if (l && last) CHECK(l->member() == *last);
      // Deleting the range removes exactly the members inside it.
      if (q % 20 == 0) {
        ZSkipList copy;
        for (ZSkipNode* x = zsl.first(); x; x = x->next()) copy.Insert(x->score, x->member());
        std::vector<std::string> removed;
        const unsigned long cnt =
            copy.DeleteRangeByLex(r, [&](const ZSkipNode& node) { removed.emplace_back(node.member()); });
        std::vector<std::string> expect;
        for (const auto& m : ref)
          if (InLex(m, r)) expect.push_back(m);
        CHECK_EQ(cnt, static_cast<unsigned long>(expect.size()));
        CHECK(removed == expect);
        CHECK(copy.CheckInvariants());
        CHECK_EQ(copy.length(), static_cast<unsigned long>(ref.size() - expect.size()));
      }
    }
  }
}

TEST(DeleteRangesByScoreAndRank) {
  std::mt19937_64 rng(8);
  for (int round = 0; round < 200; ++round) {
    ZSkipList zsl;
    Oracle ref;
    const int n = static_cast<int>(rng() % 120);
    for (int i = 0; i < n; ++i) {
      const std::string m = "k" + std::to_string(i);
      const double s = RandomScore(rng);
      zsl.Insert(s, m);
      ref.emplace(s, m);
    }
    std::vector<std::string> removed, expect;
    if (round % 2 == 0) {
      const ZRangeSpec r = RandomRange(rng);
      const unsigned long cnt =
          zsl.DeleteRangeByScore(r, [&](const ZSkipNode& x) { removed.emplace_back(x.member()); });
      for (auto it = ref.begin(); it != ref.end();) {
        if (InRange(it->first, r)) {
          expect.push_back(it->second);
          it = ref.erase(it);
        } else {
          ++it;
        }
      }
      CHECK_EQ(cnt, static_cast<unsigned long>(expect.size()));
    } else {
      const unsigned long start = 1 + rng() % (n + 2);
      const unsigned long end = start + rng() % 30;
      const unsigned long cnt =
          zsl.DeleteRangeByRank(start, end, [&](const ZSkipNode& x) { removed.emplace_back(x.member()); });
      unsigned long rank = 0;
      for (auto it = ref.begin(); it != ref.end();) {
        ++rank;
        if (rank >= start && rank <= end) {
          expect.push_back(it->second);
          it = ref.erase(it);
        } else {
          ++it;
        }
      }
      CHECK_EQ(cnt, static_cast<unsigned long>(expect.size()));
    }
    CHECK(removed == expect);
    CHECK(zsl.CheckInvariants());
    CHECK(Dump(zsl) == Entries(ref.begin(), ref.end()));
  }
  // Callback-free overloads.
  ZSkipList zsl;
  for (int i = 0; i < 10; ++i) zsl.Insert(i, std::to_string(i));
  CHECK_EQ(zsl.DeleteRangeByRank(1, 3), 3ul);
  ZRangeSpec all{-INFINITY, INFINITY, false, false};
  CHECK_EQ(zsl.DeleteRangeByScore(all), 7ul);
  CHECK_EQ(zsl.length(), 0ul);
  CHECK(zsl.first() == nullptr && zsl.last() == nullptr);
  CHECK(zsl.CheckInvariants());
}

TEST(ParseScoreRangeLikeRedis) {
  ZRangeSpec r;
  // ZRANGEBYSCORE on redis-server 7.0.15: "" is 0, leading spaces and hex
  // are accepted, "(" alone is exclusive 0, overflow becomes inf.
  CHECK(ParseScoreRange("", "5", &r) && r.min == 0 && !r.minex && r.max == 5);
  CHECK(ParseScoreRange(" 5", "inf", &r) && r.min == 5 && std::isinf(r.max) && r.max > 0);
  CHECK(ParseScoreRange("(", "10", &r) && r.min == 0 && r.minex && !r.maxex);
  CHECK(ParseScoreRange("1e400", "+inf", &r) && std::isinf(r.min));
  CHECK(ParseScoreRange("-inf", "(1e400", &r) && r.maxex && std::isinf(r.max));
  CHECK(ParseScoreRange("0x5", "+inf", &r) && r.min == 5);
  CHECK(ParseScoreRange("(1.5", "(2.5", &r) && r.min == 1.5 && r.minex && r.max == 2.5 && r.maxex);
  CHECK(ParseScoreRange(std::string("3\0junk", 6), "4", &r) && r.min == 3);  // C string view
  CHECK(!ParseScoreRange("abc", "1", &r));
  CHECK(!ParseScoreRange("1", "nan", &r));
  CHECK(!ParseScoreRange("(nan", "1", &r));
  CHECK(!ParseScoreRange("1 ", "2", &r));
  CHECK(!ParseScoreRange("[1", "2", &r));
  CHECK(!ZslScoreRangeNonEmpty(ZRangeSpec{2, 1, false, false}));
  CHECK(!ZslScoreRangeNonEmpty(ZRangeSpec{1, 1, true, false}));
  CHECK(ZslScoreRangeNonEmpty(ZRangeSpec{1, 1, false, false}));
}

TEST(ParseLexRangeLikeRedis) {
  ZLexRangeSpec r;
  CHECK(ParseLexRange("-", "+", &r));
  CHECK(r.min.kind == ZLexBound::kMinusInf && r.max.kind == ZLexBound::kPlusInf);
  CHECK(ZslLexRangeNonEmpty(r));
  CHECK(ParseLexRange("+", "-", &r) && !ZslLexRangeNonEmpty(r));
  CHECK(ParseLexRange("-", "-", &r) && !ZslLexRangeNonEmpty(r));
  CHECK(ParseLexRange("[a", "(c", &r));
  CHECK(r.min.kind == ZLexBound::kValue && !r.min.exclusive && r.min.value == "a");
  CHECK(r.max.exclusive && r.max.value == "c");
  CHECK(ParseLexRange("[", "(", &r) && r.min.value.empty());
  CHECK(!ZslLexRangeNonEmpty(r));  // "" == "" with an exclusive side
  CHECK(ParseLexRange("[", "[", &r) && ZslLexRangeNonEmpty(r));
  CHECK(!ParseLexRange("-x", "+", &r));
  CHECK(!ParseLexRange("a", "+", &r));
  CHECK(!ParseLexRange("", "+", &r));
  CHECK(!ParseLexRange("-", "+1", &r));
  CHECK(ParseLexRange(std::string("+\0z", 3), "-", &r));  // C string view
  // The ZRANGEBYLEX z - + / [a (c results on {a, b, c} at score 0.
  ZSkipList zsl;
  zsl.Insert(0, "a");
  zsl.Insert(5, "b");  // 7.0 test used scores 0/5/10; lex walks in list order
  zsl.Insert(10, "c");
  ParseLexRange("[a", "(c", &r);
  CHECK(zsl.FirstInLexRange(r)->member() == "a");
  CHECK(zsl.LastInLexRange(r)->member() == "b");
  ParseLexRange("(c", "+", &r);
  CHECK(zsl.FirstInLexRange(r) == nullptr);
}

TEST(MoveAndClear) {
  ZSkipList a;
  for (int i = 0; i < 100; ++i) a.Insert(i % 7, "x" + std::to_string(i));
  ZSkipList b(std::move(a));
  CHECK_EQ(b.length(), 100ul);
  CHECK_EQ(a.length(), 0ul);
  CHECK(a.CheckInvariants() && b.CheckInvariants());
  a.Insert(1, "again");
  a = std::move(b);
  CHECK_EQ(a.length(), 100ul);
  CHECK_EQ(b.length(), 0ul);
  a.Clear();
  CHECK(a.CheckInvariants());
  CHECK_EQ(a.level(), 1);
  a.Insert(3, "after-clear");
  CHECK_EQ(a.GetRank(3, "after-clear"), 1ul);
}

TEST(LevelDistribution) {
  ZSkipList::SeedRandom(1);
  ZSkipList zsl;
  const int n = 100000;
  for (int i = 0; i < n; ++i) zsl.Insert(i, "");
  size_t level_counts[ZSkipList::kMaxLevel + 1] = {};
  for (ZSkipNode* x = zsl.first(); x; x = x->next()) level_counts[x->height]++;
  // P(height >= 2) = 1/4, P(height >= 3) = 1/16.
  size_t ge2 = n - level_counts[1];
  size_t ge3 = ge2 - level_counts[2];
  CHECK(ge2 > n / 4 - 1500 && ge2 < n / 4 + 1500);
  CHECK(ge3 > n / 16 - 800 && ge3 < n / 16 + 800);
  CHECK(zsl.level() <= ZSkipList::kMaxLevel && zsl.level() >= 5);
  CHECK(zsl.CheckInvariants());
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
