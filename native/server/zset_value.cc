// ZSetValue (see zset_value.h).
#include "server/zset_value.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/hash.h"
#include "core/zmalloc.h"

namespace tachyon {

namespace {

// zzlStrtod: scores stored as text are short ("%.17g"); Redis copies at most
// 127 bytes into a NUL-terminated buffer and strtod()s that.
double ParseStoredScore(const LpValue& v) {
  if (v.is_int()) return static_cast<double>(v.ival);
  char buf[128];
  size_t n = v.len < sizeof(buf) - 1 ? v.len : sizeof(buf) - 1;
  if (n) memcpy(buf, v.str, n);
  buf[n] = '\0';
  return strtod(buf, nullptr);
}

ZDictNode* NewDictNode(ZSkipNode* node, uint32_t hash) {
  auto* d = static_cast<ZDictNode*>(ZMalloc(sizeof(ZDictNode)));
  if (!d) throw std::bad_alloc();
  d->next = nullptr;
  d->node = node;
  d->hash = hash;
  return d;
}

}  // namespace

uint64_t ZSetValue::MemberHash(std::string_view member) {
  return static_cast<uint32_t>(HashBytes(member.data(), member.size()));
}

ZSetValue::~ZSetValue() {
  if (Skip* s = sk()) {
    s->dict.Clear([](ZDictNode* n) { ZFree(n); });
    delete s;
  } else {
    lp_.~Listpack();
  }
}

std::unique_ptr<ZSetValue> ZSetValue::Create(size_t size_hint, size_t value_len_hint, const Limits& limits) {
  auto z = std::make_unique<ZSetValue>();
  if (size_hint > limits.max_listpack_entries || value_len_hint > limits.max_listpack_value) {
    z->AdoptSkip(new Skip);
    z->sk()->dict.Expand(size_hint);
  }
  return z;
}

std::unique_ptr<ZSetValue> ZSetValue::NewEmpty(ObjEncoding encoding, size_t size_hint) {
  auto z = std::make_unique<ZSetValue>();
  if (encoding == kEncSkiplist) {
    z->AdoptSkip(new Skip);
    z->sk()->dict.Expand(size_hint);
  }
  return z;
}

std::unique_ptr<ZSetValue> ZSetValue::FromListpack(Listpack lp) {
  auto z = std::make_unique<ZSetValue>();
  z->lp_ = std::move(lp);
  return z;
}

size_t ZSetValue::MemoryUsage(size_t samples) const {
  const Skip* s = sk();
  if (!s) return ZMallocSize(lp_.data());
  size_t n = ZMallocSize(s) + ZMallocSize(s->zsl.header()) + s->dict.AllocatedBytes();
  // An element is a skiplist node (member and score) plus its dict node.
  size_t bytes = 0, seen = 0;
  for (const ZSkipNode* x = s->zsl.first(); x && seen < samples; x = x->next(), seen++) {
    bytes += ZMallocSize(x) + ZMallocSizeOf(sizeof(ZDictNode));
  }
  if (seen) n += static_cast<size_t>(static_cast<double>(bytes) / seen * s->zsl.length());
  return n;
}

Collection* ZSetValue::Clone() const {
  auto* copy = new ZSetValue();
  const Skip* s = sk();
  if (!s) {
    copy->lp_ = lp_;
    return copy;
  }
  copy->AdoptSkip(new Skip);
  copy->sk()->dict.Expand(s->zsl.length());
  // Highest first: every insertion then stops right at the head.
  for (ZSkipNode* n = s->zsl.last(); n; n = n->prev()) {
    copy->SkInsert(n->score, n->member(), MemberHash(n->member()));
  }
  return copy;
}

// ---------------------------------------------------------------------------
// Listpack helpers

double ZSetValue::LpScore(size_t member_pos) const { return ParseStoredScore(lp_.Get(lp_.Next(member_pos))); }

size_t ZSetValue::LpPrevPair(size_t member_pos) const {
  const size_t s = lp_.Prev(member_pos);
  return s == Listpack::npos ? Listpack::npos : lp_.Prev(s);
}

size_t ZSetValue::LpFind(std::string_view member, double* score) const {
  const size_t first = lp_.First();
  if (first == Listpack::npos) return Listpack::npos;
  const size_t p = lp_.Find(first, member, 1);
  if (p != Listpack::npos && score) *score = LpScore(p);
  return p;
}

// zzlInsertAt: the member before the entry at pos, its score right after it.
void ZSetValue::LpInsertAt(size_t pos, std::string_view member, double score) {
  long long ll;
  const size_t mpos = lp_.InsertBefore(pos, member);
  if (Double2ll(score, &ll)) {
    lp_.InsertIntegerAfter(mpos, ll);
  } else {
    char buf[kMaxD2StringChars];
    const int n = D2String(buf, sizeof buf, score);
    lp_.InsertAfter(mpos, std::string_view(buf, static_cast<size_t>(n)));
  }
}

void ZSetValue::LpAppendPair(std::string_view member, double score) {
  long long ll;
  lp_.Append(member);
  if (Double2ll(score, &ll)) {
    lp_.AppendInteger(ll);
  } else {
    char buf[kMaxD2StringChars];
    const int n = D2String(buf, sizeof buf, score);
    lp_.Append(std::string_view(buf, static_cast<size_t>(n)));
  }
}

// zzlInsert: before the first pair that sorts after (score, member).
void ZSetValue::LpInsert(std::string_view member, double score) {
  for (size_t p = lp_.First(); p != Listpack::npos; p = LpNextPair(p)) {
    const double s = LpScore(p);
    if (s > score || (s == score && lp_.Get(p).Compare(member) > 0)) {
      LpInsertAt(p, member, score);
      return;
    }
  }
  LpAppendPair(member, score);
}

// ---------------------------------------------------------------------------
// Skiplist helpers

void ZSetValue::SkInsert(double score, std::string_view member, uint64_t hash) {
  SkInsertInto(sk(), score, member, hash);
}

void ZSetValue::SkInsertInto(Skip* s, double score, std::string_view member, uint64_t hash) {
  ZSkipNode* n = s->zsl.Insert(score, member);
  s->dict.Insert(NewDictNode(n, static_cast<uint32_t>(hash)), hash);
}

void ZSetValue::AppendSorted(std::string_view member, double score) {
  if (sk()) {
    SkInsert(score, member, MemberHash(member));
  } else {
    LpAppendPair(member, score);
  }
}

void ZSetValue::InsertNewSkiplist(double score, std::string_view member) {
  SkInsert(score, member, MemberHash(member));
}

// Drops the dict entry of a member whose skiplist node is being removed.
void ZSetValue::SkRemoveDictEntry(std::string_view member) {
  ZDictNode* d = sk()->dict.Remove(member, MemberHash(member));
  if (d) {
    ZFree(d);
  }
}

// ---------------------------------------------------------------------------
// Point operations

bool ZSetValue::Add(double score, std::string_view member, int in_flags, int* out_flags, double* newscore,
                    const Limits& limits) {
  const bool incr = in_flags & kZAddIncr;
  const bool nx = in_flags & kZAddNX;
  const bool xx = in_flags & kZAddXX;
  const bool gt = in_flags & kZAddGT;
  const bool lt = in_flags & kZAddLT;
  *out_flags = 0;
  if (std::isnan(score)) {
    *out_flags = kZAddOutNaN;
    return false;
  }

  if (!sk()) {
    double cur;
    const size_t p = LpFind(member, &cur);
    if (p != Listpack::npos) {
      if (nx) {
        *out_flags |= kZAddOutNop;
        return true;
      }
      if (incr) {
        score += cur;
        if (std::isnan(score)) {
          *out_flags |= kZAddOutNaN;
          return false;
        }
      }
      if ((lt && score >= cur) || (gt && score <= cur)) {
        *out_flags |= kZAddOutNop;
        return true;
      }
      if (newscore) *newscore = score;
      if (score != cur) {
        lp_.DeleteRangeAt(p, 2);
        LpInsert(member, score);
        *out_flags |= kZAddOutUpdated;
      }
      return true;
    }
    if (xx) {
      *out_flags |= kZAddOutNop;
      return true;
    }
    if (lp_pairs() + 1 > limits.max_listpack_entries || member.size() > limits.max_listpack_value ||
        !lp_.SafeToAdd(member.size())) {
      ConvertToSkiplist(lp_pairs() + 1);
    } else {
      LpInsert(member, score);
      if (newscore) *newscore = score;
      *out_flags |= kZAddOutAdded;
      return true;
    }
  }

  const uint64_t h = MemberHash(member);
  ZDictNode* d = sk()->dict.Find(member, h);
  if (d) {
    if (nx) {
      *out_flags |= kZAddOutNop;
      return true;
    }
    const double cur = d->node->score;
    if (incr) {
      score += cur;
      if (std::isnan(score)) {
        *out_flags |= kZAddOutNaN;
        return false;
      }
    }
    if ((lt && score >= cur) || (gt && score <= cur)) {
      *out_flags |= kZAddOutNop;
      return true;
    }
    if (newscore) *newscore = score;
    if (score != cur) {
      // UpdateScore keeps the node (and so the dict's pointer) alive.
      d->node = sk()->zsl.UpdateScore(cur, d->node->member(), score);
      *out_flags |= kZAddOutUpdated;
    }
    return true;
  }
  if (xx) {
    *out_flags |= kZAddOutNop;
    return true;
  }
  SkInsert(score, member, h);
  *out_flags |= kZAddOutAdded;
  if (newscore) *newscore = score;
  return true;
}

bool ZSetValue::Delete(std::string_view member) {
  if (!sk()) {
    const size_t p = LpFind(member, nullptr);
    if (p == Listpack::npos) return false;
    lp_.DeleteRangeAt(p, 2);
    return true;
  }
  ZDictNode* d = sk()->dict.Remove(member, MemberHash(member));
  if (!d) return false;
  ZSkipNode* n = d->node;
  ZFree(d);
  // The member argument may point into the node itself: Delete compares
  // before it frees.
  sk()->zsl.Delete(n->score, member);
  return true;
}

bool ZSetValue::Score(std::string_view member, double* score) {
  if (!sk()) return LpFind(member, score) != Listpack::npos;
  ZDictNode* d = sk()->dict.Find(member, MemberHash(member));
  if (!d) return false;
  *score = d->node->score;
  return true;
}

long ZSetValue::Rank(std::string_view member, bool reverse) {
  const long len = static_cast<long>(size());
  if (!sk()) {
    long rank = 0;
    for (size_t p = lp_.First(); p != Listpack::npos; p = LpNextPair(p), rank++) {
      if (lp_.Get(p).Equals(member)) return reverse ? len - 1 - rank : rank;
    }
    return -1;
  }
  ZDictNode* d = sk()->dict.Find(member, MemberHash(member));
  if (!d) return -1;
  const long rank = static_cast<long>(sk()->zsl.GetRank(d->node->score, d->node->member()));
  return reverse ? len - rank : rank - 1;
}

// ---------------------------------------------------------------------------
// Range deletion

size_t ZSetValue::DeleteRangeByRank(size_t start, size_t end) {
  const size_t num = end - start + 1;
  if (!sk()) {
    lp_.DeleteRange(static_cast<long>(2 * start), 2 * num);
    return num;
  }
  return sk()->zsl.DeleteRangeByRank(start + 1, end + 1,
                                    [this](const ZSkipNode& n) { SkRemoveDictEntry(n.member()); });
}

size_t ZSetValue::DeleteRangeByScore(const ZRangeSpec& range) {
  if (!sk()) {
    ZIter it = FirstInRange(range);
    size_t n = 0;
    size_t p = it.pos;
    while (p != Listpack::npos && ZslValueLteMax(LpScore(p), range)) {
      // The following pair moves to the same offset (or the end marker does).
      lp_.DeleteRangeAt(p, 2);
      if (p >= lp_.bytes() - 1) p = Listpack::npos;
      n++;
    }
    return n;
  }
  return sk()->zsl.DeleteRangeByScore(range, [this](const ZSkipNode& n) { SkRemoveDictEntry(n.member()); });
}

size_t ZSetValue::DeleteRangeByLex(const ZLexRangeSpec& range) {
  if (!sk()) {
    ZIter it = FirstInLexRange(range);
    size_t n = 0;
    size_t p = it.pos;
    char buf[kLongStrSize];
    while (p != Listpack::npos && ZslLexValueLteMax(lp_.Get(p).View(buf), range)) {
      lp_.DeleteRangeAt(p, 2);
      if (p >= lp_.bytes() - 1) p = Listpack::npos;
      n++;
    }
    return n;
  }
  return sk()->zsl.DeleteRangeByLex(range, [this](const ZSkipNode& n) { SkRemoveDictEntry(n.member()); });
}

void ZSetValue::DeleteEnds(ZWhere where, size_t count) {
  if (count == 0) return;
  const size_t len = size();
  if (where == ZWhere::kMin) {
    DeleteRangeByRank(0, count - 1);
  } else {
    DeleteRangeByRank(len - count, len - 1);
  }
}

// ---------------------------------------------------------------------------
// Encoding changes

void ZSetValue::ConvertToSkiplist(size_t cap) {
  if (sk()) return;
  auto s = std::make_unique<Skip>();
  s->dict.Expand(cap);
  // Highest first, so each insertion stops at the head of the skiplist.
  for (size_t p = lp_.Seek(-2); p != Listpack::npos; p = LpPrevPair(p)) {
    char buf[kLongStrSize];
    const std::string_view m = lp_.Get(p).View(buf);
    SkInsertInto(s.get(), LpScore(p), m, MemberHash(m));
  }
  AdoptSkip(s.release());
}

void ZSetValue::ConvertToListpack() {
  Skip* s = sk();
  if (!s) return;
  new (&lp_) Listpack();
  for (ZSkipNode* n = s->zsl.first(); n; n = n->next()) LpAppendPair(n->member(), n->score);
  s->dict.Clear([](ZDictNode* d) { ZFree(d); });
  delete s;
}

void ZSetValue::ConvertToListpackIfNeeded(size_t maxelelen, size_t totelelen, const Limits& limits) {
  if (!sk()) return;
  if (sk()->zsl.length() <= limits.max_listpack_entries && maxelelen <= limits.max_listpack_value &&
      Listpack::SafeToAdd(0, totelelen)) {
    ConvertToListpack();
  }
}

// ---------------------------------------------------------------------------
// Ordered positions

ZIter ZSetValue::First() const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.first();
  } else {
    it.pos = lp_.First();
  }
  return it;
}

ZIter ZSetValue::Last() const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.last();
  } else {
    it.pos = !lp_.empty() ? lp_.Seek(-2) : Listpack::npos;
  }
  return it;
}

void ZSetValue::Next(ZIter* it) const {
  if (sk()) {
    it->node = it->node->next();
  } else {
    it->pos = LpNextPair(it->pos);
  }
}

void ZSetValue::Prev(ZIter* it) const {
  if (sk()) {
    it->node = it->node->prev();
  } else {
    it->pos = LpPrevPair(it->pos);
  }
}

void ZSetValue::Advance(ZIter* it, size_t n, bool reverse) const {
  if (n == 0 || !Valid(*it)) return;
  if (sk() && n > 16) {
    // Jump through the rank index instead of walking node by node.
    const size_t rank = RankOf(*it);
    if (reverse) {
      it->node = n > rank ? nullptr : sk()->zsl.GetByRank(rank - n + 1);
    } else {
      it->node = rank + n >= size() ? nullptr : sk()->zsl.GetByRank(rank + n + 1);
    }
    return;
  }
  while (n-- && Valid(*it)) {
    if (reverse) {
      Prev(it);
    } else {
      Next(it);
    }
  }
}

ZIter ZSetValue::AtRank(size_t rank) const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.GetByRank(rank + 1);
  } else {
    it.pos = lp_.Seek(static_cast<long>(2 * rank));
  }
  return it;
}

// zzlIsInRange / zzlIsInLexRange: a non-empty interval whose bounds admit the
// last and the first member. (Members sorted by score alone need not be in
// lex order, so the lex walks below can stop early exactly like Redis's.)
bool ZSetValue::LpIsInRange(const ZRangeSpec& range) const {
  if (!ZslScoreRangeNonEmpty(range) || lp_.empty()) return false;
  return ZslValueGteMin(LpScore(lp_.Seek(-2)), range) && ZslValueLteMax(LpScore(lp_.First()), range);
}

bool ZSetValue::LpIsInLexRange(const ZLexRangeSpec& range) const {
  if (!ZslLexRangeNonEmpty(range) || lp_.empty()) return false;
  char buf[kLongStrSize];
  if (!ZslLexValueGteMin(lp_.Get(lp_.Seek(-2)).View(buf), range)) return false;
  return ZslLexValueLteMax(lp_.Get(lp_.First()).View(buf), range);
}

ZIter ZSetValue::FirstInRange(const ZRangeSpec& range) const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.FirstInRange(range);
    return it;
  }
  if (!LpIsInRange(range)) return it;
  for (size_t p = lp_.First(); p != Listpack::npos; p = LpNextPair(p)) {
    const double s = LpScore(p);
    if (ZslValueGteMin(s, range)) {
      if (ZslValueLteMax(s, range)) it.pos = p;
      return it;
    }
  }
  return it;
}

ZIter ZSetValue::LastInRange(const ZRangeSpec& range) const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.LastInRange(range);
    return it;
  }
  if (!LpIsInRange(range)) return it;
  for (size_t p = lp_.Seek(-2); p != Listpack::npos; p = LpPrevPair(p)) {
    const double s = LpScore(p);
    if (ZslValueLteMax(s, range)) {
      if (ZslValueGteMin(s, range)) it.pos = p;
      return it;
    }
  }
  return it;
}

ZIter ZSetValue::FirstInLexRange(const ZLexRangeSpec& range) const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.FirstInLexRange(range);
    return it;
  }
  if (!LpIsInLexRange(range)) return it;
  char buf[kLongStrSize];
  for (size_t p = lp_.First(); p != Listpack::npos; p = LpNextPair(p)) {
    const std::string_view m = lp_.Get(p).View(buf);
    if (ZslLexValueGteMin(m, range)) {
      if (ZslLexValueLteMax(m, range)) it.pos = p;
      return it;
    }
  }
  return it;
}

ZIter ZSetValue::LastInLexRange(const ZLexRangeSpec& range) const {
  ZIter it;
  if (sk()) {
    it.node = sk()->zsl.LastInLexRange(range);
    return it;
  }
  if (!LpIsInLexRange(range)) return it;
  char buf[kLongStrSize];
  for (size_t p = lp_.Seek(-2); p != Listpack::npos; p = LpPrevPair(p)) {
    const std::string_view m = lp_.Get(p).View(buf);
    if (ZslLexValueLteMax(m, range)) {
      if (ZslLexValueGteMin(m, range)) it.pos = p;
      return it;
    }
  }
  return it;
}

std::string_view ZSetValue::Member(const ZIter& it, char (&buf)[kLongStrSize]) const {
  if (sk()) return it.node->member();
  return lp_.Get(it.pos).View(buf);
}

bool ZSetValue::MemberInt(const ZIter& it, long long* v) const {
  if (sk()) return false;
  const LpValue lv = lp_.Get(it.pos);
  if (!lv.is_int()) return false;
  *v = lv.ival;
  return true;
}

double ZSetValue::ScoreAt(const ZIter& it) const { return sk() ? it.node->score : LpScore(it.pos); }

size_t ZSetValue::RankOf(const ZIter& it) const {
  if (sk()) return sk()->zsl.GetRank(it.node->score, it.node->member()) - 1;
  size_t rank = 0;
  for (size_t p = lp_.First(); p != it.pos; p = LpNextPair(p)) rank++;
  return rank;
}

long long ZSetValue::CountInRange(const ZRangeSpec& range) const {
  if (!sk()) {
    long long n = 0;
    for (ZIter it = FirstInRange(range); Valid(it) && ZslValueLteMax(LpScore(it.pos), range); Next(&it)) n++;
    return n;
  }
  ZSkipNode* first = sk()->zsl.FirstInRange(range);
  if (!first) return 0;
  ZSkipNode* last = sk()->zsl.LastInRange(range);
  const long long r1 = static_cast<long long>(sk()->zsl.GetRank(first->score, first->member()));
  const long long len = static_cast<long long>(sk()->zsl.length());
  const long long r2 = last ? static_cast<long long>(sk()->zsl.GetRank(last->score, last->member())) : len;
  return r2 - r1 + 1;
}

// Like Redis, from the ranks of the first and last member in range; when the
// members are not in lex order (mixed scores) the result is whatever those
// ranks give, even negative.
long long ZSetValue::CountInLexRange(const ZLexRangeSpec& range) const {
  if (!sk()) {
    long long n = 0;
    char buf[kLongStrSize];
    for (ZIter it = FirstInLexRange(range); Valid(it) && ZslLexValueLteMax(Member(it, buf), range); Next(&it)) {
      n++;
    }
    return n;
  }
  ZSkipNode* first = sk()->zsl.FirstInLexRange(range);
  if (!first) return 0;
  ZSkipNode* last = sk()->zsl.LastInLexRange(range);
  const long long r1 = static_cast<long long>(sk()->zsl.GetRank(first->score, first->member()));
  const long long len = static_cast<long long>(sk()->zsl.length());
  const long long r2 = last ? static_cast<long long>(sk()->zsl.GetRank(last->score, last->member())) : len;
  return r2 - r1 + 1;
}

// ---------------------------------------------------------------------------
// Random access

ZIter ZSetValue::Random() {
  ZIter it;
  if (sk()) {
    it.node = sk()->dict.Random(&CollectionRandom)->node;
  } else {
    it.pos = lp_.Seek(static_cast<long>(2 * (CollectionRandom() % lp_pairs())));
  }
  return it;
}

void ZSetValue::ListpackPositions(std::vector<size_t>* out) const {
  out->clear();
  out->reserve(lp_pairs());
  for (size_t p = lp_.First(); p != Listpack::npos; p = LpNextPair(p)) out->push_back(p);
}

// Selection sampling (Knuth's algorithm S): uniform over subsets, emitted in
// listpack order.
void ZSetValue::RandomUniqueListpack(size_t count, std::vector<size_t>* out) const {
  out->clear();
  out->reserve(count);
  size_t remaining = lp_pairs();
  for (size_t p = lp_.First(); p != Listpack::npos && out->size() < count; p = LpNextPair(p)) {
    if (CollectionRandom() % remaining < count - out->size()) out->push_back(p);
    remaining--;
  }
}

}  // namespace tachyon
