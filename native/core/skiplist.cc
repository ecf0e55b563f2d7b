#include "core/skiplist.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "core/bytes.h"
#include "core/zmalloc.h"

namespace tachyon {

namespace {

// xorshift64* state for level generation; levels only influence speed.
uint64_t g_rng_state = 0x9E3779B97F4A7C15ULL;

inline uint64_t NextRandom() {
  uint64_t x = g_rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  g_rng_state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

// Strict parse of one score bound (see ParseScoreRange).
bool ParseScoreItem(std::string_view s, double* value, bool* exclusive) {
  const size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  *exclusive = false;
  if (!s.empty() && s[0] == '(') {
    *exclusive = true;
    s.remove_prefix(1);
  }
  const std::string buf(s);
  char* end = nullptr;
  const double v = std::strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *value = v;
  return true;
}

bool ParseLexItem(std::string_view s, ZLexBound* b) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
      // Redis tests c[1] != '\0' on a NUL-terminated string.
      if (s.size() > 1 && s[1] != '\0') return false;
      b->kind = ZLexBound::kPlusInf;
      b->exclusive = true;
      b->value.clear();
      return true;
    case '-':
      if (s.size() > 1 && s[1] != '\0') return false;
      b->kind = ZLexBound::kMinusInf;
      b->exclusive = true;
      b->value.clear();
      return true;
    case '(':
    case '[':
      b->kind = ZLexBound::kValue;
      b->exclusive = s[0] == '(';
      b->value.assign(s.data() + 1, s.size() - 1);
      return true;
    default:
      return false;
  }
}

// Order of two lex bounds: -inf < any value < +inf (sdscmplex).
int CompareLexBounds(const ZLexBound& a, const ZLexBound& b) {
  if (a.kind == b.kind && a.kind != ZLexBound::kValue) return 0;
  if (a.kind == ZLexBound::kMinusInf || b.kind == ZLexBound::kPlusInf) return -1;
  if (a.kind == ZLexBound::kPlusInf || b.kind == ZLexBound::kMinusInf) return 1;
  return ZslCompareMembers(a.value, b.value);
}

// (score, member) strictly before (score2, member2)?
inline bool Before(const ZSkipNode* n, double score, std::string_view member) {
  return n->score < score || (n->score == score && ZslCompareMembers(n->member(), member) < 0);
}

// The next step of a search at level i from x: true (and *next) while the
// successor sorts before (score, member). Traversals are bound by cache misses
// on the successor; the node one level down is loaded meanwhile, since the
// search continues there when this level stops.
inline bool StepBefore(const ZSkipNode* x, int i, double score, std::string_view member, ZSkipNode** next) {
  ZSkipNode* f = x->levels()[i].forward;
  if (i > 0) __builtin_prefetch(x->levels()[i - 1].forward);
  if (f == nullptr || !Before(f, score, member)) return false;
  *next = f;
  return true;
}

}  // namespace

int ZslCompareMembers(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  const int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool ParseScoreRange(std::string_view min, std::string_view max, ZRangeSpec* spec) {
  ZRangeSpec r;
  if (!ParseScoreItem(min, &r.min, &r.minex)) return false;
  if (!ParseScoreItem(max, &r.max, &r.maxex)) return false;
  *spec = r;
  return true;
}

bool ParseLexRange(std::string_view min, std::string_view max, ZLexRangeSpec* spec) {
  ZLexRangeSpec r;
  if (!ParseLexItem(min, &r.min) || !ParseLexItem(max, &r.max)) return false;
  *spec = std::move(r);
  return true;
}

bool ZslLexValueGteMin(std::string_view v, const ZLexRangeSpec& r) {
  switch (r.min.kind) {
    case ZLexBound::kMinusInf: return true;
    case ZLexBound::kPlusInf: return false;
    default: {
      const int c = ZslCompareMembers(v, r.min.value);
      return r.min.exclusive ? c > 0 : c >= 0;
    }
  }
}

bool ZslLexValueLteMax(std::string_view v, const ZLexRangeSpec& r) {
  switch (r.max.kind) {
    case ZLexBound::kPlusInf: return true;
    case ZLexBound::kMinusInf: return false;
    default: {
      const int c = ZslCompareMembers(v, r.max.value);
      return r.max.exclusive ? c < 0 : c <= 0;
    }
  }
}

bool ZslScoreRangeNonEmpty(const ZRangeSpec& r) {
  return !(r.min > r.max || (r.min == r.max && (r.minex || r.maxex)));
}

bool ZslLexRangeNonEmpty(const ZLexRangeSpec& r) {
  const int c = CompareLexBounds(r.min, r.max);
  return !(c > 0 || (c == 0 && (r.min.exclusive || r.max.exclusive)));
}

// ---- nodes ----

ZSkipNode* ZSkipList::NewNode(int height, double score, std::string_view member) {
  const size_t n = sizeof(ZSkipNode) + static_cast<size_t>(height) * sizeof(ZSkipNode::Level) +
                   member.size();
  auto* node = static_cast<ZSkipNode*>(ZMalloc(n));
  if (!node) {
    std::fprintf(stderr, "skiplist: out of memory allocating %zu bytes\n", n);
    std::abort();
  }
  node->score = score;
  node->backward = nullptr;
  node->member_len = static_cast<uint32_t>(member.size());
  node->height = static_cast<uint8_t>(height);
  ZSkipNode::Level* lv = node->levels();
  for (int i = 0; i < height; ++i) {
    lv[i].forward = nullptr;
    lv[i].span = 0;
  }
  if (!member.empty()) std::memcpy(lv + height, member.data(), member.size());
  return node;
}

void ZSkipList::FreeNode(ZSkipNode* node) { ZFree(node); }

void ZSkipList::SeedRandom(uint64_t seed) { g_rng_state = seed ? seed : 0x9E3779B97F4A7C15ULL; }

int ZSkipList::RandomLevel() {
  // Each extra level with probability 1/4: 16 random bits below 0xFFFF/4.
  int level = 1;
  while ((NextRandom() >> 48) < static_cast<uint64_t>(0.25 * 0xFFFF)) ++level;
  return level < kMaxLevel ? level : kMaxLevel;
}

// ---- lifetime ----

ZSkipList::ZSkipList() : header_(NewNode(kMaxLevel, 0, {})) {}

ZSkipList::~ZSkipList() {
  Clear();
  FreeNode(header_);
}

ZSkipList::ZSkipList(ZSkipList&& other) noexcept
    : header_(other.header_), tail_(other.tail_), length_(other.length_), level_(other.level_) {
  other.header_ = NewNode(kMaxLevel, 0, {});
  other.tail_ = nullptr;
  other.length_ = 0;
  other.level_ = 1;
}

ZSkipList& ZSkipList::operator=(ZSkipList&& other) noexcept {
  if (this != &other) {
    std::swap(header_, other.header_);
    std::swap(tail_, other.tail_);
    std::swap(length_, other.length_);
    std::swap(level_, other.level_);
    other.Clear();
  }
  return *this;
}

void ZSkipList::Clear() {
  ZSkipNode* x = header_->levels()[0].forward;
  while (x) {
    ZSkipNode* next = x->levels()[0].forward;
    FreeNode(x);
    x = next;
  }
  for (int i = 0; i < kMaxLevel; ++i) {
    header_->levels()[i].forward = nullptr;
    header_->levels()[i].span = 0;
  }
  tail_ = nullptr;
  length_ = 0;
  level_ = 1;
}

// ---- core linking ----

void ZSkipList::Link(ZSkipNode* x, ZSkipNode** update, unsigned long* rank) {
  const int h = x->height;
  if (h > level_) {
    for (int i = level_; i < h; ++i) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->levels()[i].span = length_;
    }
    level_ = h;
  }
  for (int i = 0; i < h; ++i) {
    ZSkipNode::Level& up = update[i]->levels()[i];
    x->levels()[i].forward = up.forward;
    up.forward = x;
    // rank[0] - rank[i] nodes lie between update[i] and x.
    x->levels()[i].span = up.span - (rank[0] - rank[i]);
    up.span = (rank[0] - rank[i]) + 1;
  }
  for (int i = h; i < level_; ++i) update[i]->levels()[i].span++;
  x->backward = (update[0] == header_) ? nullptr : update[0];
  if (x->levels()[0].forward) {
    x->levels()[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  ++length_;
}

void ZSkipList::Unlink(ZSkipNode* x, ZSkipNode** update) {
  for (int i = 0; i < level_; ++i) {
    ZSkipNode::Level& up = update[i]->levels()[i];
    if (up.forward == x) {
      up.span += x->levels()[i].span - 1;
      up.forward = x->levels()[i].forward;
    } else {
      up.span -= 1;
    }
  }
  if (x->levels()[0].forward) {
    x->levels()[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) --level_;
  --length_;
}

ZSkipNode* ZSkipList::FindUpdate(double score, std::string_view member,
                                 ZSkipNode** update) const {
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while (StepBefore(x, i, score, member, &f)) x = f;
    update[i] = x;
  }
  return x->levels()[0].forward;
}

// ---- public operations ----

void ZSkipList::FindInsert(double score, std::string_view member, ZSkipNode** update, unsigned long* rank) const {
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = (i == level_ - 1) ? 0 : rank[i + 1];
    ZSkipNode* f;
    while (StepBefore(x, i, score, member, &f)) {
      rank[i] += x->levels()[i].span;
      x = f;
    }
    update[i] = x;
  }
}

ZSkipNode* ZSkipList::FindExact(double score, std::string_view member, ZSkipNode** update) const {
  ZSkipNode* x = FindUpdate(score, member, update);
  return x && x->score == score && x->member() == member ? x : nullptr;
}

ZSkipNode* ZSkipList::Insert(double score, std::string_view member) {
  ZSkipNode* update[kMaxLevel];
  unsigned long rank[kMaxLevel];
  FindInsert(score, member, update, rank);
  ZSkipNode* node = NewNode(RandomLevel(), score, member);
  Link(node, update, rank);
  return node;
}

ZSkipNode* ZSkipList::Find(double score, std::string_view member) const {
  ZSkipNode* update[kMaxLevel];
  return FindExact(score, member, update);
}

bool ZSkipList::Delete(double score, std::string_view member) {
  ZSkipNode* update[kMaxLevel];
  ZSkipNode* x = FindExact(score, member, update);
  if (!x) return false;
  Unlink(x, update);
  FreeNode(x);
  return true;
}

ZSkipNode* ZSkipList::UpdateScore(double curscore, std::string_view member, double newscore) {
  ZSkipNode* update[kMaxLevel];
  ZSkipNode* x = FindExact(curscore, member, update);
  if (!x) {
    std::fprintf(stderr, "skiplist: UpdateScore of a missing element\n");
    std::abort();
  }
  // Still strictly between its neighbours: just change the score.
  if ((x->backward == nullptr || x->backward->score < newscore) &&
      (x->levels()[0].forward == nullptr || x->levels()[0].forward->score > newscore)) {
    x->score = newscore;
    return x;
  }
  Unlink(x, update);
  // Relink the same node (same height) at its new position.
  x->score = newscore;
  unsigned long rank[kMaxLevel];
  FindInsert(newscore, member, update, rank);
  for (int i = 0; i < x->height; ++i) {
    x->levels()[i].forward = nullptr;
    x->levels()[i].span = 0;
  }
  Link(x, update, rank);
  return x;
}

unsigned long ZSkipList::GetRank(double score, std::string_view member) const {
  unsigned long rank = 0;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr &&
           (f->score < score ||
            (f->score == score && ZslCompareMembers(f->member(), member) <= 0))) {
      rank += x->levels()[i].span;
      x = f;
    }
    if (x != header_ && x->score == score && x->member() == member) return rank;
  }
  return 0;
}

ZSkipNode* ZSkipList::GetByRank(unsigned long rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  unsigned long traversed = 0;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= rank) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

bool ZSkipList::IsInRange(const ZRangeSpec& range) const {
  if (!ZslScoreRangeNonEmpty(range)) return false;
  if (tail_ == nullptr || !ZslValueGteMin(tail_->score, range)) return false;
  ZSkipNode* f = header_->levels()[0].forward;
  if (f == nullptr || !ZslValueLteMax(f->score, range)) return false;
  return true;
}

ZSkipNode* ZSkipList::FirstInRange(const ZRangeSpec& range) const {
  if (!IsInRange(range)) return nullptr;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr && !ZslValueGteMin(f->score, range)) x = f;
  }
  x = x->levels()[0].forward;  // non-null: the range overlaps the list
  if (!ZslValueLteMax(x->score, range)) return nullptr;
  return x;
}

ZSkipNode* ZSkipList::LastInRange(const ZRangeSpec& range) const {
  if (!IsInRange(range)) return nullptr;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr && ZslValueLteMax(f->score, range)) x = f;
  }
  if (x == header_ || !ZslValueGteMin(x->score, range)) return nullptr;
  return x;
}

bool ZSkipList::IsInLexRange(const ZLexRangeSpec& range) const {
  if (!ZslLexRangeNonEmpty(range)) return false;
  if (tail_ == nullptr || !ZslLexValueGteMin(tail_->member(), range)) return false;
  ZSkipNode* f = header_->levels()[0].forward;
  if (f == nullptr || !ZslLexValueLteMax(f->member(), range)) return false;
  return true;
}

ZSkipNode* ZSkipList::FirstInLexRange(const ZLexRangeSpec& range) const {
  if (!IsInLexRange(range)) return nullptr;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr && !ZslLexValueGteMin(f->member(), range))
      x = f;
  }
  x = x->levels()[0].forward;
  if (x == nullptr || !ZslLexValueLteMax(x->member(), range)) return nullptr;
  return x;
}

ZSkipNode* ZSkipList::LastInLexRange(const ZLexRangeSpec& range) const {
  if (!IsInLexRange(range)) return nullptr;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr && ZslLexValueLteMax(f->member(), range))
      x = f;
  }
  if (x == header_ || !ZslLexValueGteMin(x->member(), range)) return nullptr;
  return x;
}

unsigned long ZSkipList::DeleteRangeByScoreImpl(const ZRangeSpec& range, RemoveFn fn,
                                                void* ctx) {
  ZSkipNode* update[kMaxLevel];
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr && !ZslValueGteMin(f->score, range)) x = f;
    update[i] = x;
  }
  x = x->levels()[0].forward;
  unsigned long removed = 0;
  while (x && ZslValueLteMax(x->score, range)) {
    ZSkipNode* next = x->levels()[0].forward;
    Unlink(x, update);
    if (fn) fn(ctx, *x);
    FreeNode(x);
    ++removed;
    x = next;
  }
  return removed;
}

unsigned long ZSkipList::DeleteRangeByLexImpl(const ZLexRangeSpec& range, RemoveFn fn,
                                              void* ctx) {
  ZSkipNode* update[kMaxLevel];
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZSkipNode* f;
    while ((f = x->levels()[i].forward) != nullptr && !ZslLexValueGteMin(f->member(), range))
      x = f;
    update[i] = x;
  }
  x = x->levels()[0].forward;
  unsigned long removed = 0;
  while (x && ZslLexValueLteMax(x->member(), range)) {
    ZSkipNode* next = x->levels()[0].forward;
    Unlink(x, update);
    if (fn) fn(ctx, *x);
    FreeNode(x);
    ++removed;
    x = next;
  }
  return removed;
}

unsigned long ZSkipList::DeleteRangeByRankImpl(unsigned long start, unsigned long end,
                                               RemoveFn fn, void* ctx) {
  ZSkipNode* update[kMaxLevel];
  unsigned long traversed = 0;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span < start) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  ++traversed;
  x = x->levels()[0].forward;
  unsigned long removed = 0;
  while (x && traversed <= end) {
    ZSkipNode* next = x->levels()[0].forward;
    Unlink(x, update);
    if (fn) fn(ctx, *x);
    FreeNode(x);
    ++removed;
    ++traversed;
    x = next;
  }
  return removed;
}

bool ZSkipList::CheckInvariants() const {
  // Level 0: order, backward links, tail, length.
  std::unordered_map<const ZSkipNode*, unsigned long> pos;
  unsigned long n = 0;
  const ZSkipNode* prev = nullptr;
  for (const ZSkipNode* x = header_->levels()[0].forward; x; x = x->levels()[0].forward) {
    ++n;
    pos[x] = n;
    if (x->backward != prev) return false;
    if (prev && !Before(prev, x->score, x->member())) return false;
    if (x->height < 1 || x->height > kMaxLevel) return false;
    prev = x;
  }
  if (n != length_ || tail_ != prev) return false;
  if (level_ < 1 || level_ > kMaxLevel) return false;
  // Every level: spans equal the rank distance; nothing above level_.
  for (int i = 0; i < kMaxLevel; ++i) {
    if (i >= level_) {
      if (header_->levels()[i].forward != nullptr) return false;
      continue;
    }
    if (i > 0 && i == level_ - 1 && header_->levels()[i].forward == nullptr && level_ > 1)
      return false;  // level_ must shrink when the top level empties
    const ZSkipNode* x = header_;
    unsigned long xr = 0;
    while (true) {
      const ZSkipNode* f = x->levels()[i].forward;
      if (f == nullptr) break;
      if (f->height <= i) return false;
      const unsigned long fr = pos[f];
      if (x->levels()[i].span != fr - xr) return false;
      x = f;
      xr = fr;
    }
  }
  return true;
}

}  // namespace tachyon
