// Tests for core/hash.h and core/dict.h. Run via scripts/native-tests.sh.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/dict.h"
#include "core/hash.h"
#include "tests/check.h"

using tachyon::Dict;
using tachyon::HashBytes;
using tachyon::HashBytesNoCase;

namespace {

std::mt19937_64 g_rng(12345);
uint64_t TestRng() { return g_rng(); }

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

// ---------------------------------------------------------------------------
// Test node / traits. `hash` is whatever the test inserted with, so tests can
// use deliberately weak hashes to force long chains.

struct TNode {
  TNode* next = nullptr;
  uint64_t hash = 0;
  std::string key;
  uint64_t value = 0;
};

struct TTraits {
  static std::string_view Key(const TNode* n) { return n->key; }
  static uint64_t Hash(const TNode* n) { return n->hash; }
};

using TDict = Dict<TNode, TTraits>;

// Hash variants: full, weak (few distinct values -> long chains), constant.
enum class HashKind { kFull, kWeak, kConstant };

uint64_t HashOf(const std::string& k, HashKind kind) {
  const uint64_t h = HashBytes(k.data(), k.size());
  switch (kind) {
    case HashKind::kFull: return h;
    case HashKind::kWeak: return h & 0xff;
    case HashKind::kConstant: return 42;
  }
  return h;
}

TNode* NewNode(const std::string& k, HashKind kind = HashKind::kFull) {
  TNode* n = new TNode;
  n->key = k;
  n->hash = HashOf(k, kind);
  return n;
}

void FreeAll(TDict& d) {
  d.Clear([](TNode* n) { delete n; });
}

bool IsPow2(size_t x) { return x && !(x & (x - 1)); }

// Full consistency check against an oracle (key -> node).
void CheckAgainstOracle(TDict& d, const std::unordered_map<std::string, TNode*>& oracle) {
  CHECK_EQ(d.size(), oracle.size());
  size_t count = 0;
  bool all_known = true;
  d.ForEach([&](TNode* n) {
    ++count;
    auto it = oracle.find(n->key);
    if (it == oracle.end() || it->second != n) all_known = false;
  });
  CHECK_EQ(count, oracle.size());
  CHECK(all_known);
  bool all_found = true;
  for (const auto& kv : oracle) {
    if (d.Find(kv.first, kv.second->hash) != kv.second) all_found = false;
  }
  CHECK(all_found);
  CHECK(d.rehashing() || IsPow2(d.buckets()) || d.buckets() == 0);
  CHECK_EQ(d.MemoryUsage(), d.buckets() * sizeof(TNode*));
}

}  // namespace

// ===========================================================================
// hash.h

TEST(HashDeterministicAndLengthSensitive) {
  const char* s = "hello world";
  CHECK_EQ(HashBytes(s, 11), HashBytes(s, 11));
  CHECK(HashBytes(s, 11) != HashBytes(s, 10));
  CHECK(HashBytes("", 0) != HashBytes("\0", 1));
  // Strings of zero bytes of every length up to 300 all hash differently.
  std::vector<uint8_t> zeros(300, 0);
  std::unordered_set<uint64_t> seen;
  for (size_t n = 0; n <= zeros.size(); ++n) seen.insert(HashBytes(zeros.data(), n));
  CHECK_EQ(seen.size(), zeros.size() + 1);
  // Flipping any single bit of inputs of many lengths changes the hash, and
  // unaligned input hashes like aligned input.
  std::vector<uint8_t> buf(300 + 8);
  bool flips_ok = true, unaligned_ok = true;
  for (size_t n = 1; n <= 300; n += (n < 70 ? 1 : 17)) {
    for (size_t i = 0; i < n; ++i) buf[i] = static_cast<uint8_t>(g_rng());
    const uint64_t h = HashBytes(buf.data(), n);
    for (size_t bit = 0; bit < n * 8; ++bit) {
      buf[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      if (HashBytes(buf.data(), n) == h) flips_ok = false;
      buf[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    }
    for (size_t off = 1; off < 8; ++off) {
      std::memmove(buf.data() + off, buf.data(), n);
      if (HashBytes(buf.data() + off, n) != h) unaligned_ok = false;
      std::memmove(buf.data(), buf.data() + off, n);
    }
  }
  CHECK(flips_ok);
  CHECK(unaligned_ok);
}

TEST(HashAvalanche) {
  // Flipping one input bit should flip each output bit with p ~= 0.5.
  const size_t lengths[] = {1, 3, 4, 7, 8, 12, 16, 17, 24, 33, 48, 49, 64, 100, 200};
  std::vector<uint64_t> flips_per_out_bit(64, 0);
  uint64_t trials = 0, total_flipped = 0;
  std::vector<uint8_t> buf(256);
  for (size_t len : lengths) {
    for (int rep = 0; rep < 60; ++rep) {
      for (size_t i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>(g_rng());
      const uint64_t h = HashBytes(buf.data(), len);
      for (size_t bit = 0; bit < len * 8; ++bit) {
        buf[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        const uint64_t d = h ^ HashBytes(buf.data(), len);
        buf[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        ++trials;
        for (int o = 0; o < 64; ++o) {
          if (d >> o & 1) {
            ++flips_per_out_bit[o];
            ++total_flipped;
          }
        }
      }
    }
  }
  const double mean = static_cast<double>(total_flipped) / static_cast<double>(trials);
  CHECK(mean > 31.5 && mean < 32.5);
  double worst = 0.5;
  for (uint64_t f : flips_per_out_bit) {
    const double p = static_cast<double>(f) / static_cast<double>(trials);
    if (std::fabs(p - 0.5) > std::fabs(worst - 0.5)) worst = p;
  }
  CHECK(worst > 0.48 && worst < 0.52);
}

TEST(HashBucketDistribution) {
  // Sequential keys into 2^16 buckets by low bits and by high bits: the empty
  // fraction should match a random function (e^-1) and no bucket overflows.
  const size_t n = size_t{1} << 16;
  for (int shift : {0, 24, 48}) {
    std::vector<uint32_t> load(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const std::string k = Key(i);
      ++load[(HashBytes(k.data(), k.size()) >> shift) & (n - 1)];
    }
    const size_t empty = static_cast<size_t>(std::count(load.begin(), load.end(), 0u));
    const double frac = static_cast<double>(empty) / static_cast<double>(n);
    CHECK(frac > 0.360 && frac < 0.376);
    CHECK(*std::max_element(load.begin(), load.end()) < 12);
  }
  // No 64-bit collisions among a million similar keys.
  std::unordered_set<uint64_t> seen;
  for (size_t i = 0; i < 1000000; ++i) {
    const std::string k = Key(i);
    seen.insert(HashBytes(k.data(), k.size()));
  }
  CHECK_EQ(seen.size(), size_t{1000000});
}

TEST(HashNoCase) {
  CHECK_EQ(HashBytesNoCase("GET", 3), HashBytesNoCase("get", 3));
  CHECK_EQ(HashBytesNoCase("GeT", 3), HashBytes("get", 3));
  CHECK(HashBytes("GET", 3) != HashBytes("get", 3));
  // NoCase(x) == HashBytes(ascii_lower(x)) for random bytes (incl. >= 0x80,
  // which must not be touched: 0xC1 is 'A' | 0x80) of every length.
  bool ok = true;
  std::vector<uint8_t> buf(200), low(200);
  for (int rep = 0; rep < 20; ++rep) {
    for (size_t n = 0; n <= buf.size(); ++n) {
      for (size_t i = 0; i < n; ++i) {
        const uint64_t r = g_rng();
        buf[i] = (r & 3) == 0 ? static_cast<uint8_t>('A' + (r >> 8) % 26)
                 : (r & 3) == 1 ? static_cast<uint8_t>(0xC1 + (r >> 8) % 26)
                                : static_cast<uint8_t>(r >> 8);
        low[i] = (buf[i] >= 'A' && buf[i] <= 'Z') ? static_cast<uint8_t>(buf[i] + 32) : buf[i];
      }
      if (HashBytesNoCase(buf.data(), n) != HashBytes(low.data(), n)) ok = false;
    }
  }
  CHECK(ok);
  // Exhaustive single-byte check of the SWAR lowering.
  bool bytes_ok = true;
  for (int c = 0; c < 256; ++c) {
    const uint8_t b = static_cast<uint8_t>(c);
    const uint8_t l = (b >= 'A' && b <= 'Z') ? static_cast<uint8_t>(b + 32) : b;
    if (tachyon::hash_internal::LowerWord(b) != l) bytes_ok = false;
  }
  CHECK(bytes_ok);
}

TEST(HashSeed) {
  const std::string k = "some:key";
  const uint64_t before = HashBytes(k.data(), k.size());
  uint8_t seed[16];
  for (int i = 0; i < 16; ++i) seed[i] = static_cast<uint8_t>(i * 7 + 1);
  tachyon::SetHashSeed(seed);
  const uint64_t with_seed = HashBytes(k.data(), k.size());
  CHECK(with_seed != before);
  seed[15] ^= 1;  // any seed bit matters
  tachyon::SetHashSeed(seed);
  const uint64_t with_seed2 = HashBytes(k.data(), k.size());
  CHECK(with_seed2 != with_seed);
  seed[15] ^= 1;
  tachyon::SetHashSeed(seed);
  CHECK_EQ(HashBytes(k.data(), k.size()), with_seed);
  tachyon::hash_internal::g_state = tachyon::hash_internal::kDefaultState;
  CHECK_EQ(HashBytes(k.data(), k.size()), before);
}

TEST(HashPortableMul128) {
  bool ok = true;
  for (int i = 0; i < 100000; ++i) {
    uint64_t a = g_rng(), b = g_rng();
    if (i < 4) a = b = (i & 1) ? ~uint64_t{0} : 0;
    uint64_t lo1, hi1, lo2, hi2;
    tachyon::hash_internal::Mul128(a, b, &lo1, &hi1);
    tachyon::hash_internal::Mul128Portable(a, b, &lo2, &hi2);
    if (lo1 != lo2 || hi1 != hi2) ok = false;
  }
  CHECK(ok);
}

// ===========================================================================
// dict.h

TEST(DictEmpty) {
  TDict d;
  CHECK_EQ(d.size(), size_t{0});
  CHECK_EQ(d.buckets(), size_t{0});
  CHECK_EQ(d.MemoryUsage(), size_t{0});
  CHECK(!d.rehashing());
  CHECK(d.Find("x", 1) == nullptr);
  CHECK(d.FindLink("x", 1) == nullptr);
  CHECK(d.Remove("x", 1) == nullptr);
  CHECK(d.Random(&TestRng) == nullptr);
  CHECK(d.Random() == nullptr);
  size_t calls = 0;
  CHECK_EQ(d.Sample(10, [&](TNode*) { ++calls; }), size_t{0});
  CHECK_EQ(d.Scan(0, [&](TNode*) { ++calls; }), uint64_t{0});
  d.ForEach([&](TNode*) { ++calls; });
  CHECK_EQ(calls, size_t{0});
  CHECK(!d.RehashSteps(10));
  CHECK(!d.RehashMicroseconds(10));
  d.ShrinkIfNeeded();
  FreeAll(d);
  CHECK_EQ(d.size(), size_t{0});
}

TEST(DictBasicGrowth) {
  TDict d;
  std::unordered_map<std::string, TNode*> oracle;
  for (int i = 0; i < 4; ++i) {
    TNode* n = NewNode(Key(i));
    d.Insert(n, n->hash);
    oracle[n->key] = n;
  }
  CHECK_EQ(d.buckets(), size_t{4});  // initial size, load factor 1 reached
  CHECK(!d.rehashing());
  TNode* n = NewNode(Key(4));
  d.Insert(n, n->hash);  // grows: 4 -> 8
  oracle[n->key] = n;
  CHECK(d.rehashing() || d.buckets() == 8);
  while (d.RehashSteps(1)) {
  }
  CHECK_EQ(d.buckets(), size_t{8});
  for (int i = 5; i < 1000; ++i) {
    TNode* m = NewNode(Key(i));
    d.Insert(m, m->hash);
    oracle[m->key] = m;
  }
  CheckAgainstOracle(d, oracle);
  CHECK(!d.RehashMicroseconds(100000));
  CHECK_EQ(d.buckets(), size_t{1024});
  for (int i = 0; i < 1000; ++i) {
    TNode* r = d.Remove(Key(i), HashOf(Key(i), HashKind::kFull));
    CHECK(r != nullptr && r == oracle[Key(i)]);
    CHECK(d.Remove(Key(i), HashOf(Key(i), HashKind::kFull)) == nullptr);
    delete r;
  }
  CHECK_EQ(d.size(), size_t{0});
  CHECK(d.buckets() < 1024);  // Remove shrinks automatically
  while (d.RehashSteps(100)) {
  }
  d.ShrinkIfNeeded();
  CHECK_EQ(d.buckets(), size_t{4});
  FreeAll(d);
}

namespace {

// Random operations against std::unordered_map. Phases grow the key space,
// churn it, then drain it so the table grows and shrinks repeatedly.
void RunOracle(size_t ops, size_t key_space, HashKind kind, uint64_t seed) {
  std::mt19937_64 rng(seed);
  TDict d;
  std::unordered_map<std::string, TNode*> oracle;
  size_t max_buckets = 0, grows_seen = 0, shrinks_seen = 0;
  size_t prev_buckets = 0;
  bool ok = true;
  for (size_t op = 0; op < ops; ++op) {
    const size_t phase = op * 4 / ops;  // 0: insert-heavy, 1-2: mixed, 3: drain
    const int insert_pct = phase == 0 ? 70 : phase == 3 ? 5 : 35;
    const int remove_pct = phase == 0 ? 10 : phase == 3 ? 75 : 35;
    const std::string k = Key(rng() % key_space);
    const uint64_t h = HashOf(k, kind);
    const int r = static_cast<int>(rng() % 100);
    auto it = oracle.find(k);
    if (r < insert_pct) {
      if (it == oracle.end()) {
        TNode* n = NewNode(k, kind);
        d.Insert(n, h);
        oracle.emplace(k, n);
      } else if (d.Find(k, h) != it->second) {
        ok = false;
      }
    } else if (r < insert_pct + remove_pct) {
      TNode* got = d.Remove(k, h);
      if (it == oracle.end()) {
        if (got != nullptr) ok = false;
      } else {
        if (got != it->second) ok = false;
        delete got;
        oracle.erase(it);
      }
    } else if (r < insert_pct + remove_pct + 8 && it != oracle.end()) {
      // Replace the node with a reallocated copy through FindLink.
      TNode** link = d.FindLink(k, h);
      if (link == nullptr || *link != it->second) {
        ok = false;
      } else {
        TNode* fresh = NewNode(k, kind);
        fresh->value = (*link)->value + 1;
        fresh->next = (*link)->next;
        delete *link;
        *link = fresh;
        it->second = fresh;
      }
    } else {
      TNode* got = d.Find(k, h);
      if (got != (it == oracle.end() ? nullptr : it->second)) ok = false;
    }
    // Background work / policy knobs, like a server cron would do.
    const uint64_t x = rng() % 1000;
    if (x == 0) d.RehashSteps(static_cast<int>(rng() % 5));
    if (x == 1) d.RehashMicroseconds(5);
    if (x == 2) d.ShrinkIfNeeded();
    if (x == 3) d.SetResizeAllowed(false);
    if (x == 4 || x == 5) d.SetResizeAllowed(true);
    if (op % (ops / 10) == 0) CheckAgainstOracle(d, oracle);
    if (d.buckets() > prev_buckets + 4) ++grows_seen;
    if (d.buckets() + 4 < prev_buckets) ++shrinks_seen;
    prev_buckets = d.buckets();
    max_buckets = std::max(max_buckets, d.buckets());
  }
  CHECK(ok);
  CheckAgainstOracle(d, oracle);
  CHECK(grows_seen > 5);
  CHECK(shrinks_seen > 3);
  // Drain remaining keys, verify the table shrinks all the way.
  d.SetResizeAllowed(true);
  for (auto& kv : oracle) {
    TNode* got = d.Remove(kv.first, kv.second->hash);
    CHECK(got == kv.second);
    delete got;
  }
  oracle.clear();
  CHECK_EQ(d.size(), size_t{0});
  while (d.RehashSteps(100)) {
  }
  d.ShrinkIfNeeded();
  while (d.RehashSteps(100)) {
  }
  CHECK_EQ(d.buckets(), size_t{4});
  CHECK(max_buckets >= 4);
  FreeAll(d);
}

}  // namespace

TEST(DictOracleOneMillionOps) { RunOracle(1000000, 400000, HashKind::kFull, 1); }

TEST(DictOracleWeakHash) { RunOracle(200000, 20000, HashKind::kWeak, 2); }

TEST(DictMillionKeys) {
  // 1M distinct keys: insert in random order, remove a random half, check
  // presence of every key after each phase, then drain.
  const size_t n = 1000000;
  std::mt19937_64 rng(3);
  std::vector<TNode*> nodes(n);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) {
    nodes[i] = NewNode(Key(i));
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), rng);
  TDict d;
  for (size_t i : order) d.Insert(nodes[i], nodes[i]->hash);
  CHECK_EQ(d.size(), n);
  bool ok = true;
  for (size_t i = 0; i < n; ++i) ok = ok && d.Find(nodes[i]->key, nodes[i]->hash) == nodes[i];
  CHECK(ok);
  std::vector<bool> present(n, true);
  for (size_t k = 0; k < n / 2; ++k) {
    const size_t i = order[k];
    ok = ok && d.Remove(nodes[i]->key, nodes[i]->hash) == nodes[i];
    present[i] = false;
  }
  CHECK(ok);
  CHECK_EQ(d.size(), n - n / 2);
  for (size_t i = 0; i < n; ++i) {
    TNode* got = d.Find(nodes[i]->key, nodes[i]->hash);
    ok = ok && got == (present[i] ? nodes[i] : nullptr);
  }
  CHECK(ok);
  for (size_t i = 0; i < n; ++i) {
    if (present[i]) ok = ok && d.Remove(nodes[i]->key, nodes[i]->hash) == nodes[i];
  }
  CHECK(ok);
  CHECK_EQ(d.size(), size_t{0});
  while (d.RehashSteps(1000)) {
  }
  d.ShrinkIfNeeded();
  CHECK_EQ(d.buckets(), size_t{4});
  for (TNode* x : nodes) delete x;
}

TEST(DictFindLinkReplaceInChain) {
  // All nodes in one chain: replace head, middle and tail nodes.
  TDict d;
  std::unordered_map<std::string, TNode*> oracle;
  for (int i = 0; i < 20; ++i) {
    TNode* n = NewNode(Key(i), HashKind::kConstant);
    d.Insert(n, n->hash);
    oracle[n->key] = n;
  }
  d.PauseRehash();  // keep the table in the rehashing state if it is
  for (int i : {19, 10, 0, 5}) {
    TNode** link = d.FindLink(Key(i), 42);
    CHECK(link != nullptr && *link == oracle[Key(i)]);
    TNode* fresh = NewNode(Key(i), HashKind::kConstant);
    fresh->next = (*link)->next;
    delete *link;
    *link = fresh;
    oracle[Key(i)] = fresh;
  }
  d.ResumeRehash();
  CheckAgainstOracle(d, oracle);
  CHECK(d.FindLink("missing", 42) == nullptr);
  FreeAll(d);
}

TEST(DictCaseInsensitiveTraits) {
  struct CiTraits {
    static std::string_view Key(const TNode* n) { return n->key; }
    static uint64_t Hash(const TNode* n) { return n->hash; }
    static bool Equal(const TNode* n, std::string_view k, uint64_t h) {
      if (n->hash != h || n->key.size() != k.size()) return false;
      for (size_t i = 0; i < k.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(n->key[i])) !=
            std::tolower(static_cast<unsigned char>(k[i])))
          return false;
      }
      return true;
    }
  };
  Dict<TNode, CiTraits> d;
  for (const char* name : {"GET", "SET", "hgetall", "ZADD"}) {
    TNode* n = new TNode;
    n->key = name;
    n->hash = HashBytesNoCase(name, std::strlen(name));
    d.Insert(n, n->hash);
  }
  TNode* got = d.Find("get", HashBytesNoCase("get", 3));
  CHECK(got != nullptr && got->key == "GET");
  got = d.Find("HGetAll", HashBytesNoCase("HGetAll", 7));
  CHECK(got != nullptr && got->key == "hgetall");
  CHECK(d.Find("gets", HashBytesNoCase("gets", 4)) == nullptr);
  d.Clear([](TNode* n) { delete n; });
}

namespace {

// Put a dict of n elements in a paused rehash: a grow to twice the current
// table, or a shrink from a table sized for 20*n elements.
void MakeRehashing(TDict& d, std::vector<TNode*>* nodes, size_t n, bool grow) {
  if (grow) {
    for (size_t i = 0; i < n; ++i) {
      TNode* x = NewNode(Key(i));
      nodes->push_back(x);
      d.Insert(x, x->hash);
    }
    while (d.RehashSteps(100)) {
    }
    d.PauseRehash();
    d.Expand(d.buckets() * 2);
  } else {
    for (size_t i = 0; i < n * 20; ++i) {
      TNode* x = NewNode(Key(i));
      nodes->push_back(x);
      d.Insert(x, x->hash);
    }
    while (d.RehashSteps(100)) {
    }
    d.SetResizeAllowed(false);  // no shrink while we remove
    while (nodes->size() > n) {
      TNode* x = nodes->back();
      nodes->pop_back();
      CHECK(d.Remove(x->key, x->hash) == x);
      delete x;
    }
    d.SetResizeAllowed(true);
    d.ShrinkIfNeeded();
    d.PauseRehash();
  }
}

}  // namespace

TEST(DictScanStaticExactlyOnce) {
  // Without modifications a full scan returns every element exactly once,
  // also while rehashing (grow or shrink in progress).
  for (int mode = 0; mode < 3; ++mode) {
    for (size_t n : {1, 3, 4, 5, 17, 100, 1000, 20000}) {
      TDict d;
      std::vector<TNode*> nodes;
      if (mode == 0) {
        for (size_t i = 0; i < n; ++i) {
          TNode* x = NewNode(Key(i));
          nodes.push_back(x);
          d.Insert(x, x->hash);
        }
      } else {
        MakeRehashing(d, &nodes, n, mode == 1);
        CHECK(d.rehashing());
      }
      std::unordered_map<TNode*, int> seen;
      uint64_t cursor = 0;
      size_t calls = 0;
      do {
        cursor = d.Scan(cursor, [&](TNode* x) { ++seen[x]; });
        ++calls;
      } while (cursor != 0 && calls < 10000000);
      CHECK_EQ(seen.size(), nodes.size());
      bool once = true;
      for (TNode* x : nodes) once = once && seen[x] == 1;
      CHECK(once);
      if (mode != 0) d.ResumeRehash();
      FreeAll(d);
    }
  }
}

namespace {

struct ScanStats {
  size_t grows = 0, shrinks = 0, rehashing_calls = 0, scans = 0;
};

// One scan with random mutations between calls. Stable keys stay for the
// whole scan and must all be returned; churn keys come and go in batches big
// enough to make the table grow and shrink (possibly several times) mid-scan.
void ScanTrial(std::mt19937_64& rng, HashKind kind, size_t stable_n, ScanStats* stats) {
  TDict d;
  std::unordered_set<TNode*> live;
  std::vector<TNode*> stable, churn;
  uint64_t next_key = 0;
  auto add = [&](std::vector<TNode*>* v) {
    TNode* x = NewNode(Key(next_key++), kind);
    d.Insert(x, x->hash);
    live.insert(x);
    v->push_back(x);
  };
  auto drop_churn = [&](size_t i) {
    TNode* x = churn[i];
    churn[i] = churn.back();
    churn.pop_back();
    TNode* got = d.Remove(x->key, x->hash);
    CHECK(got == x);
    live.erase(x);
    delete x;
  };
  for (size_t i = 0; i < stable_n; ++i) add(&stable);
  const size_t churn_init = rng() % (4 * stable_n + 8);
  for (size_t i = 0; i < churn_init; ++i) add(&churn);
  while (d.RehashSteps(static_cast<int>(rng() % 3))) {
    if (rng() % 4 == 0) break;  // sometimes start the scan mid-rehash
  }

  std::unordered_set<TNode*> returned;
  bool only_live = true;
  uint64_t cursor = 0;
  size_t calls = 0;
  do {
    if (d.rehashing()) ++stats->rehashing_calls;
    cursor = d.Scan(cursor, [&](TNode* x) {
      if (!live.count(x)) only_live = false;
      returned.insert(x);
    });
    ++calls;
    const size_t before = d.buckets();
    // About ten big grows/shrinks per scan (a scan takes ~buckets calls), and
    // frequent small churn.
    const uint64_t big = rng() % (std::max<size_t>(d.buckets(), 64) / 5);
    const uint64_t r = rng() % 100;
    if (big == 0) {  // big grow
      const size_t add_n = (stable.size() + churn.size()) * (1 + rng() % 3) + 8;
      if (churn.size() < 16 * (stable_n + 8)) {
        for (size_t i = 0; i < add_n; ++i) add(&churn);
      }
    } else if (big == 1) {  // big shrink: keep 0-37% of the churn
      const size_t keep = churn.size() * (rng() % 4) / 8;
      while (churn.size() > keep) drop_churn(rng() % churn.size());
    } else if (r < 30) {  // small churn
      for (int i = static_cast<int>(rng() % 4); i > 0; --i) {
        if (rng() & 1 || churn.empty()) {
          add(&churn);
        } else {
          drop_churn(rng() % churn.size());
        }
      }
    }
    if (rng() % 3 == 0) d.ShrinkIfNeeded();
    d.RehashSteps(static_cast<int>(rng() % 3));
    if (d.buckets() > before) ++stats->grows;
    if (d.buckets() < before) ++stats->shrinks;
  } while (cursor != 0 && calls < 10000000);
  ++stats->scans;
  CHECK(cursor == 0);
  CHECK(only_live);
  bool all_stable = true;
  for (TNode* x : stable) all_stable = all_stable && returned.count(x) == 1;
  CHECK(all_stable);
  FreeAll(d);
}

}  // namespace

TEST(DictScanGuaranteeUnderGrowAndShrink) {
  std::mt19937_64 rng(7);
  ScanStats stats;
  for (int trial = 0; trial < 1000; ++trial) {
    const size_t stable_n = trial % 20 == 0 ? rng() % 2000 : rng() % 200;
    const HashKind kind = trial % 3 == 0 && stable_n < 300 ? HashKind::kWeak : HashKind::kFull;
    ScanTrial(rng, kind, stable_n, &stats);
  }
  std::printf("    %zu scans: %zu grows and %zu shrinks mid-scan, %zu calls while rehashing\n",
              stats.scans, stats.grows, stats.shrinks, stats.rehashing_calls);
  // Make sure the interesting cases actually happened.
  CHECK(stats.grows > 500);
  CHECK(stats.shrinks > 500);
  CHECK(stats.rehashing_calls > 10000);
}

TEST(DictRandomSmall) {
  TDict d;
  CHECK(d.Random(&TestRng) == nullptr);
  TNode* one = NewNode("only");
  d.Insert(one, one->hash);
  bool always = true;
  for (int i = 0; i < 1000; ++i) always = always && d.Random(&TestRng) == one;
  CHECK(always);
  // 5 elements with chains (constant-ish hash): each picked ~20%.
  FreeAll(d);
  std::vector<TNode*> nodes;
  for (int i = 0; i < 5; ++i) {
    TNode* x = NewNode(Key(i), i < 3 ? HashKind::kConstant : HashKind::kFull);
    nodes.push_back(x);
    d.Insert(x, x->hash);
  }
  std::unordered_map<TNode*, int> count;
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) ++count[d.Random(&TestRng)];
  CHECK_EQ(count.size(), size_t{5});
  for (TNode* x : nodes) CHECK(count[x] > draws / 5 * 0.9 && count[x] < draws / 5 * 1.1);
  FreeAll(d);
}

TEST(DictRandomLargeFairness) {
  TDict d;
  const size_t n = 100000;
  std::unordered_map<TNode*, uint32_t> count;
  for (size_t i = 0; i < n; ++i) {
    TNode* x = NewNode(Key(i));
    d.Insert(x, x->hash);
    count[x] = 0;
  }
  while (d.RehashSteps(100)) {
  }
  const size_t draws = 20 * n;
  bool members = true;
  for (size_t i = 0; i < draws; ++i) {
    auto it = count.find(d.Random(&TestRng));
    if (it == count.end()) {
      members = false;
    } else {
      ++it->second;
    }
  }
  CHECK(members);
  size_t never = 0, max_count = 0;
  for (auto& kv : count) {
    never += kv.second == 0;
    max_count = std::max<size_t>(max_count, kv.second);
  }
  // Uniform would give mean 20, ~0 never-picked, max ~45. The bucket-run
  // sampling is not perfectly uniform; require "reasonable" fairness.
  std::printf("    %zu draws over %zu keys: %zu never picked, max %zu (mean 20)\n", draws, n,
              never, max_count);
  CHECK(never < n / 1000);
  CHECK(max_count < 100);
  FreeAll(d);
}

TEST(DictRandomAndSampleWhileRehashing) {
  for (bool grow : {true, false}) {
    TDict d;
    std::vector<TNode*> nodes;
    MakeRehashing(d, &nodes, 3000, grow);
    CHECK(d.rehashing());
    std::unordered_set<TNode*> members(nodes.begin(), nodes.end()), picked;
    bool ok = true;
    for (int i = 0; i < 30000; ++i) {
      TNode* x = d.Random(&TestRng);
      ok = ok && members.count(x);
      picked.insert(x);
    }
    size_t total = 0;
    for (int i = 0; i < 1000; ++i) {
      size_t calls = 0;
      const size_t got = d.Sample(16, [&](TNode* x) {
        ++calls;
        ok = ok && members.count(x);
      }, &TestRng);
      ok = ok && got == calls && got <= 16;
      total += got;
    }
    CHECK(ok);
    // "Up to count": runs of empty buckets (here: the empty new table, or a
    // sparse old one) can end a sample early, but most samples are full.
    std::printf("    %s: 1000 x Sample(16) returned %zu\n", grow ? "grow" : "shrink", total);
    CHECK(total > 1000 * (grow ? 12 : 4));
    CHECK(d.rehashing());  // paused: sampling did not migrate anything
    CHECK(picked.size() > nodes.size() * 9 / 10);
    d.ResumeRehash();
    for (int i = 0; i < 1000 && d.rehashing(); ++i) d.Random(&TestRng);
    CHECK(!d.rehashing());  // unpaused: Random/Sample help the rehash along
    FreeAll(d);
  }
}

TEST(DictSample) {
  TDict d;
  size_t calls = 0;
  auto counter = [&](TNode*) { ++calls; };
  CHECK_EQ(d.Sample(5, counter), size_t{0});
  std::vector<TNode*> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(NewNode(Key(i)));
    d.Insert(nodes.back(), nodes.back()->hash);
  }
  CHECK_EQ(d.Sample(0, counter), size_t{0});
  CHECK_EQ(calls, size_t{0});
  const size_t got = d.Sample(100, counter, &TestRng);  // capped at size
  CHECK(got <= 3 && got == calls);
  // Large dict: full samples; sparse dict (3% fill, no shrink allowed): still
  // finds elements by jumping over empty runs.
  for (int i = 3; i < 100000; ++i) {
    nodes.push_back(NewNode(Key(i)));
    d.Insert(nodes.back(), nodes.back()->hash);
  }
  while (d.RehashSteps(100)) {
  }
  size_t total = 0;
  for (int i = 0; i < 1000; ++i) total += d.Sample(20, [](TNode*) {}, &TestRng);
  CHECK(total > 1000 * 19);
  d.SetResizeAllowed(false);
  const size_t buckets = d.buckets();
  while (d.size() > buckets * 3 / 100) {
    TNode* x = nodes.back();
    nodes.pop_back();
    CHECK(d.Remove(x->key, x->hash) == x);
    delete x;
  }
  CHECK_EQ(d.buckets(), buckets);
  std::unordered_set<TNode*> members(nodes.begin(), nodes.end());
  bool ok = true;
  total = 0;
  for (int i = 0; i < 1000; ++i) {
    total += d.Sample(5, [&](TNode* x) { ok = ok && members.count(x); }, &TestRng);
  }
  CHECK(ok);
  std::printf("    sparse (3%% fill): 1000 x Sample(5) returned %zu\n", total);
  CHECK(total > 500);
  d.SetResizeAllowed(true);
  FreeAll(d);
}

TEST(DictClear) {
  TDict d;
  for (int round = 0; round < 3; ++round) {
    const size_t n = round == 0 ? 0 : round == 1 ? 10 : 50000;
    for (size_t i = 0; i < n; ++i) {
      TNode* x = NewNode(Key(i));
      d.Insert(x, x->hash);
    }
    if (n) CHECK(d.Find(Key(n / 2), HashOf(Key(n / 2), HashKind::kFull)) != nullptr);
    size_t freed = 0;
    d.Clear([&](TNode* x) {
      ++freed;
      delete x;
    });
    CHECK_EQ(freed, n);
    CHECK_EQ(d.size(), size_t{0});
    CHECK_EQ(d.buckets(), size_t{0});
    CHECK(!d.rehashing());
    CHECK(d.Find(Key(0), HashOf(Key(0), HashKind::kFull)) == nullptr);
  }
  // Clear in the middle of a rehash.
  std::vector<TNode*> nodes;
  MakeRehashing(d, &nodes, 1000, true);
  CHECK(d.rehashing());
  size_t freed = 0;
  d.Clear([&](TNode* x) {
    ++freed;
    delete x;
  });
  d.ResumeRehash();
  CHECK_EQ(freed, size_t{1000});
  CHECK(!d.rehashing());
  // Reusable after Clear.
  TNode* x = NewNode("again");
  d.Insert(x, x->hash);
  CHECK(d.Find("again", x->hash) == x);
  FreeAll(d);
}

TEST(DictExpandAndResizePolicy) {
  TDict d;
  d.Expand(1000);
  CHECK_EQ(d.buckets(), size_t{1024});
  CHECK(!d.rehashing());
  for (int i = 0; i < 1024; ++i) {
    TNode* x = NewNode(Key(i));
    d.Insert(x, x->hash);
  }
  CHECK_EQ(d.buckets(), size_t{1024});  // pre-sized: no grow yet
  CHECK(!d.rehashing());
  d.Expand(100);  // smaller than current: no-op
  CHECK_EQ(d.buckets(), size_t{1024});
  CHECK_EQ(d.MemoryUsage(), size_t{1024} * sizeof(TNode*));

  // Resize disallowed: grow only past load factor 5.
  d.SetResizeAllowed(false);
  int i = 1024;
  for (; i < 5 * 1024; ++i) {
    TNode* x = NewNode(Key(i));
    d.Insert(x, x->hash);
  }
  CHECK_EQ(d.buckets(), size_t{1024});
  for (; i < 5 * 1024 + 2; ++i) {
    TNode* x = NewNode(Key(i));
    d.Insert(x, x->hash);
  }
  CHECK(d.rehashing());
  CHECK(!d.RehashMicroseconds(1000000));
  CHECK_EQ(d.buckets(), size_t{8192});

  // Shrink: below 10% fill when allowed, below 2% when not.
  while (i > 164) {  // 164 / 8192 = 2.0%
    --i;
    delete d.Remove(Key(i), HashOf(Key(i), HashKind::kFull));
  }
  CHECK_EQ(d.buckets(), size_t{8192});
  --i;
  delete d.Remove(Key(i), HashOf(Key(i), HashKind::kFull));  // 163 < 2%
  CHECK(d.rehashing());
  CHECK(!d.RehashMicroseconds(1000000));
  CHECK_EQ(d.buckets(), size_t{256});
  d.SetResizeAllowed(true);
  while (i > 26) {  // 26 / 256 = 10.2%
    --i;
    delete d.Remove(Key(i), HashOf(Key(i), HashKind::kFull));
  }
  CHECK_EQ(d.buckets(), size_t{256});
  --i;
  delete d.Remove(Key(i), HashOf(Key(i), HashKind::kFull));  // 25 < 10%
  CHECK(!d.RehashMicroseconds(1000000));
  CHECK_EQ(d.buckets(), size_t{32});
  CHECK_EQ(d.size(), size_t{25});
  FreeAll(d);
}

TEST(DictPauseRehash) {
  TDict d;
  std::vector<TNode*> nodes;
  MakeRehashing(d, &nodes, 2049, true);  // 4096 -> 8192 buckets
  CHECK(d.rehashing());
  const size_t buckets = d.buckets();
  for (TNode* x : nodes) CHECK(d.Find(x->key, x->hash) == x);
  CHECK(d.RehashSteps(1000));          // paused: no progress
  CHECK(d.RehashMicroseconds(100000));
  d.Expand(100000);                    // paused: no-op
  d.ShrinkIfNeeded();                  // paused: no-op
  CHECK(d.rehashing());
  CHECK_EQ(d.buckets(), buckets);
  // Inserts/removes still work while paused (they go to / come from both tables).
  for (size_t i = 0; i < 100; ++i) {
    TNode* x = nodes.back();
    nodes.pop_back();
    CHECK(d.Remove(x->key, x->hash) == x);
    delete x;
  }
  for (size_t i = 0; i < 100; ++i) {
    TNode* x = NewNode("paused:" + std::to_string(i));
    nodes.push_back(x);
    d.Insert(x, x->hash);
  }
  for (TNode* x : nodes) CHECK(d.Find(x->key, x->hash) == x);
  d.ResumeRehash();
  CHECK(!d.RehashMicroseconds(1000000));
  CHECK(!d.rehashing());
  CHECK_EQ(d.buckets(), size_t{8192});
  for (TNode* x : nodes) CHECK(d.Find(x->key, x->hash) == x);
  // Find alone finishes a rehash (one bucket per call).
  for (size_t i = 0; !d.rehashing(); ++i) {
    TNode* x = NewNode("more:" + std::to_string(i));
    nodes.push_back(x);
    d.Insert(x, x->hash);
  }
  CHECK_EQ(d.size(), size_t{8193});
  for (int i = 0; i < 100000 && d.rehashing(); ++i) d.Find("absent", 1);
  CHECK(!d.rehashing());
  FreeAll(d);
}

TEST(DictMove) {
  TDict a;
  for (int i = 0; i < 100; ++i) {
    TNode* x = NewNode(Key(i));
    a.Insert(x, x->hash);
  }
  TDict b(std::move(a));
  CHECK_EQ(a.size(), size_t{0});
  CHECK_EQ(a.buckets(), size_t{0});
  CHECK_EQ(b.size(), size_t{100});
  CHECK(b.Find(Key(7), HashOf(Key(7), HashKind::kFull)) != nullptr);
  TDict c;
  c = std::move(b);
  CHECK_EQ(c.size(), size_t{100});
  CHECK_EQ(b.size(), size_t{0});
  FreeAll(c);
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
