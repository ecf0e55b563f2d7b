// Micro benchmark (not run by scripts/native-tests.sh); numbers are best of 5:
//   g++ -std=c++17 -O2 -Inative native/tests/dict_bench.cc -o /tmp/dict_bench && /tmp/dict_bench
//
// 1. Hash throughput: HashBytes vs a SipHash-1-2 reference (what Redis uses;
//    implemented here from the paper for comparison only) vs std::hash.
// 2. Find throughput (random order, hits and misses): tachyon::Dict with
//    keyspace-like nodes (inline key, cached hash) vs
//    std::unordered_map<std::string, uint64_t> (std::hash and HashBytes).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dict.h"
#include "core/hash.h"

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Best of kReps runs: the machine may be shared, the minimum is the least
// disturbed measurement.
constexpr int kReps = 5;
template <class F>
double BestOf(F&& f) {
  double best = 1e300;
  for (int i = 0; i < kReps; ++i) best = std::min(best, f());
  return best;
}

volatile uint64_t g_sink;

// --- SipHash-1-2 reference -------------------------------------------------
inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct Sip {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
    v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
  }
};

uint64_t SipHash12(const void* data, size_t len, uint64_t k0, uint64_t k1) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  Sip s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
        k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
  const uint8_t* end = p + (len & ~size_t{7});
  for (; p != end; p += 8) {
    uint64_t m;
    std::memcpy(&m, p, 8);
    s.v3 ^= m;
    s.Round();
    s.v0 ^= m;
  }
  uint64_t b = static_cast<uint64_t>(len) << 56;
  for (size_t i = 0; i < (len & 7); ++i) b |= static_cast<uint64_t>(p[i]) << (8 * i);
  s.v3 ^= b;
  s.Round();
  s.v0 ^= b;
  s.v2 ^= 0xff;
  s.Round();
  s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

template <class H>
double HashNs(H&& h, size_t len) {
  static uint8_t buf[4096 + 512];
  for (size_t i = 0; i < sizeof(buf); ++i) buf[i] = static_cast<uint8_t>(i * 131 + 7);
  const size_t iters = 4000000 / (1 + len / 16);
  uint64_t acc = 0;
  const auto t = Clock::now();
  for (size_t i = 0; i < iters; ++i) acc += h(buf + (i & 4095), len);
  const double s = SecondsSince(t);
  g_sink = acc;
  return s * 1e9 / static_cast<double>(iters);
}

// --- Dict with keyspace-like nodes ------------------------------------------
struct BNode {
  BNode* next;
  uint64_t hash;
  uint64_t value;
  uint32_t len;
  char key[1];  // allocated to len bytes
};

struct BTraits {
  static std::string_view Key(const BNode* n) { return {n->key, n->len}; }
  static uint64_t Hash(const BNode* n) { return n->hash; }
  static bool Equal(const BNode* n, std::string_view k, uint64_t h) {
    return n->hash == h && n->len == k.size() && std::memcmp(n->key, k.data(), k.size()) == 0;
  }
};

BNode* MakeNode(const std::string& k, uint64_t v) {
  BNode* n = static_cast<BNode*>(std::malloc(offsetof(BNode, key) + k.size() + 1));
  n->next = nullptr;
  n->hash = tachyon::HashBytes(k.data(), k.size());
  n->value = v;
  n->len = static_cast<uint32_t>(k.size());
  std::memcpy(n->key, k.data(), k.size());
  return n;
}

struct TachyonHasher {
  size_t operator()(const std::string& s) const { return tachyon::HashBytes(s.data(), s.size()); }
};

template <class Map>
double MapFindNs(Map& m, const std::vector<std::string>& probes, int rounds) {
  uint64_t found = 0;
  const auto t = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& k : probes) {
      auto it = m.find(k);
      if (it != m.end()) found += it->second;
    }
  }
  const double s = SecondsSince(t);
  g_sink = found;
  return s * 1e9 / static_cast<double>(probes.size() * rounds);
}

double DictFindNs(tachyon::Dict<BNode, BTraits>& d, const std::vector<std::string>& probes,
                  int rounds) {
  uint64_t found = 0;
  const auto t = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& k : probes) {
      BNode* n = d.Find(k, tachyon::HashBytes(k.data(), k.size()));
      if (n) found += n->value;
    }
  }
  const double s = SecondsSince(t);
  g_sink = found;
  return s * 1e9 / static_cast<double>(probes.size() * rounds);
}

void BenchFind(size_t n, const char* prefix) {
  std::mt19937_64 rng(n);
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));

  tachyon::Dict<BNode, BTraits> dict;
  std::unordered_map<std::string, uint64_t> umap;
  std::unordered_map<std::string, uint64_t, TachyonHasher> umap_th;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    BNode* node = MakeNode(keys[i], i);
    dict.Insert(node, node->hash);
  }
  const double dict_ins = SecondsSince(t0) * 1e9 / static_cast<double>(n);
  const auto t1 = Clock::now();
  for (size_t i = 0; i < n; ++i) umap.emplace(keys[i], i);
  const double umap_ins = SecondsSince(t1) * 1e9 / static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) umap_th.emplace(keys[i], i);
  while (dict.RehashSteps(1000)) {
  }

  const size_t nprobe = std::min<size_t>(n, 1000000);
  std::vector<std::string> hits, misses;
  for (size_t i = 0; i < nprobe; ++i) {
    hits.push_back(keys[rng() % n]);
    misses.push_back(std::string(prefix) + "x" + std::to_string(rng() % n));
  }
  const int rounds = static_cast<int>(std::max<size_t>(1, 1000000 / nprobe));
  std::printf("n=%-9zu key~%-3zuB insert ns/op: Dict %.1f  unordered_map %.1f\n", n,
              keys[n / 2].size(), dict_ins, umap_ins);
  for (int pass = 0; pass < 2; ++pass) {
    const auto& probes = pass == 0 ? hits : misses;
    const double a = BestOf([&] { return DictFindNs(dict, probes, rounds); });
    const double b = BestOf([&] { return MapFindNs(umap, probes, rounds); });
    const double c = BestOf([&] { return MapFindNs(umap_th, probes, rounds); });
    std::printf("  find %-6s ns/op: Dict %6.1f | unordered_map std::hash %6.1f | "
                "unordered_map HashBytes %6.1f   (Dict %.2fx faster than std)\n",
                pass == 0 ? "hit" : "miss", a, b, c, b / a);
  }
  dict.Clear([](BNode* x) { std::free(x); });
}

}  // namespace

int main() {
  uint8_t seed[16];
  std::random_device rd;
  for (uint8_t& b : seed) b = static_cast<uint8_t>(rd());
  tachyon::SetHashSeed(seed);

  std::printf("hash ns/call      HashBytes  NoCase  SipHash-1-2  std::hash\n");
  for (size_t len : {3, 8, 16, 24, 32, 64, 256, 1024}) {
    auto ours = [](const uint8_t* p, size_t l) { return tachyon::HashBytes(p, l); };
    auto nocase = [](const uint8_t* p, size_t l) { return tachyon::HashBytesNoCase(p, l); };
    auto sip = [](const uint8_t* p, size_t l) { return SipHash12(p, l, 1, 2); };
    auto stdh = [](const uint8_t* p, size_t l) {
      return static_cast<uint64_t>(std::hash<std::string_view>()(
          std::string_view(reinterpret_cast<const char*>(p), l)));
    };
    const double a = BestOf([&] { return HashNs(ours, len); });
    const double b = BestOf([&] { return HashNs(nocase, len); });
    const double c = BestOf([&] { return HashNs(sip, len); });
    const double d = BestOf([&] { return HashNs(stdh, len); });
    std::printf("  len %-5zu       %7.2f  %7.2f  %10.2f  %9.2f\n", len, a, b, c, d);
  }
  std::printf("\n");
  BenchFind(10000, "key:");
  BenchFind(1000000, "key:");
  BenchFind(1000000, "user:session:0123456789abcdef:");
  BenchFind(5000000, "key:");
  return 0;
}
