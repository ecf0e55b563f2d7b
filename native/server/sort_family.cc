// SORT and SORT_RO.
//
// Semantics, option parsing, error texts and -- as far as they are
// deterministic in Redis -- the orders of the results follow Redis 7.0
// (sort.c); the code is Tachyon's own. In outline:
//
//   * Options are parsed first (ASC/DESC/ALPHA/LIMIT/BY/GET/STORE, the last
//     of a repeated option wins, ALPHA and a constant BY are sticky), so a
//     syntax error wins over WRONGTYPE. SORT_RO does not know STORE.
//   * The source must be a list, set or zset (a missing key sorts as an
//     empty list). A zset is converted to the skiplist encoding first, as
//     Redis does, even by SORT_RO.
//   * BY without `*` ("nosort") skips sorting: lists and zsets keep their
//     order, reversed by DESC, with LIMIT applied while loading; sets keep
//     their iteration order -- except with STORE, where a set is sorted
//     ALPHA instead (Redis's rule for reproducible replication).
//   * Numeric sorting parses every weight with strtod over the whole string
//     (up to the first NUL), rejecting NaN and ERANGE (overflow, underflow and
//     subnormals) with "ERR One or more scores can't be converted into
//     double"; equal scores fall back to a binary comparison of the elements,
//     so the order is total. A missing BY key weighs 0.
//   * ALPHA compares with strcoll() in Redis; the server runs in the C (or
//     C.UTF-8) collation, where that is strcmp(): unsigned bytes, stopping at
//     the first NUL. With STORE Redis compares binary-safely (memcmp, then
//     length) instead. With BY, a missing weight sorts before any present
//     one and two missing weights tie.
//   * Ties that remain (ALPHA BY with equal or missing weights) keep the
//     order of the loaded vector, because glibc's qsort is a stable merge
//     sort -- unless BY is given and LIMIT selects a sub-range, where Redis
//     uses its partial quicksort (pqsort, Bentley & McIlroy's algorithm from
//     NetBSD); PartialQuicksort below performs the same comparisons and
//     swaps, so the tie order matches too. For lists and intsets the loaded
//     order is the same as Redis's; for hashtable sets and for zsets it is
//     the dict's order in Redis, which depends on a per-process random seed
//     there, so ties between such members have no reproducible order anyway.
//   * STORE replaces the destination with a list (dropping its TTL) and
//     replies its length; an empty result deletes the destination.
//
// Not reproduced: Redis never resets errno before its strtod, so one ERANGE
// makes later numeric SORTs in the same process fail until some other
// command clears errno; here each value is judged on its own. Scripts (which
// make a nosort set sort ALPHA in Redis) and ACL key-pattern checks on BY/GET
// are not handled here.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/listpack.h"
#include "core/quicklist.h"
#include "core/util.h"
#include "server/command.h"
#include "server/hash_value.h"
#include "server/list_value.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/zset_value.h"

namespace tachyon {

namespace {

constexpr std::string_view kScoreConversion = "ERR One or more scores can't be converted into double";

// One element of the vector being sorted (kept small: the sort moves them).
// Bytes live in the arena (see SortGeneric), referenced by offset because the
// arena grows while loading.
constexpr size_t kNoWeight = SIZE_MAX;
struct SortItem {
  size_t eoff;  // element bytes
  size_t elen;
  union {
    double score;  // numeric sort: the weight (0 when the BY key is missing)
    size_t widx;   // ALPHA + BY: index of the weight in the weight table, or kNoWeight
  };
};

// ALPHA + BY: a weight's bytes in the arena.
struct WeightSpan {
  size_t off;
  size_t len;
};

// sdscmp / compareStringObjects: memcmp of the common prefix, then length.
int BinaryCompare(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  if (n > 0) {
    const int r = memcmp(a.data(), b.data(), n);
    if (r != 0) return r < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// strcoll() in the C collation, i.e. strcmp() on the NUL-terminated strings:
// unsigned bytes, and the comparison ends at the first NUL.
int CStringCompare(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    if (x != y) return x < y ? -1 : 1;
    if (x == 0) return 0;
  }
  return 0;
}

// Redis's sortCompare for one SORT invocation.
struct SortComparator {
  const char* arena;
  const WeightSpan* weights;
  bool alpha;
  bool by_pattern;
  bool store;
  bool desc;

  std::string_view Elem(const SortItem& s) const { return {arena + s.eoff, s.elen}; }
  std::string_view Weight(const SortItem& s) const { return {arena + weights[s.widx].off, weights[s.widx].len}; }

  int operator()(const SortItem& a, const SortItem& b) const {
    int cmp;
    if (!alpha) {
      if (a.score > b.score) {
        cmp = 1;
      } else if (a.score < b.score) {
        cmp = -1;
      } else {
        cmp = BinaryCompare(Elem(a), Elem(b));
      }
    } else if (by_pattern) {
      if (a.widx == kNoWeight || b.widx == kNoWeight) {
        cmp = a.widx == b.widx ? 0 : (a.widx == kNoWeight ? -1 : 1);
      } else {
        cmp = store ? BinaryCompare(Weight(a), Weight(b)) : CStringCompare(Weight(a), Weight(b));
      }
    } else {
      cmp = store ? BinaryCompare(Elem(a), Elem(b)) : CStringCompare(Elem(a), Elem(b));
    }
    return desc ? -cmp : cmp;
  }
};

// ---------------------------------------------------------------------------
// Partial quicksort: Bentley & McIlroy's "Engineering a Sort Function" as in
// NetBSD's qsort, which Redis extends (pqsort) to skip partitions that lie
// wholly outside the requested range [lrange, rrange] of final positions.
// Written over indices; the sequence of comparisons and swaps is the one the
// original performs, which is what fixes the order of equal elements.
class PartialQuicksort {
 public:
  PartialQuicksort(SortItem* v, const SortComparator& cmp, long lrange, long rrange)
      : v_(v), cmp_(cmp), lrange_(lrange), rrange_(rrange) {}

  void Sort(long a, long n) {
    for (;;) {
      if (n < 7) {
        InsertionSort(a, n);
        return;
      }
      long pm = a + n / 2;
      if (n > 7) {
        long pl = a;
        long pn = a + n - 1;
        if (n > 40) {
          const long d = n / 8;
          pl = Med3(pl, pl + d, pl + 2 * d);
          pm = Med3(pm - d, pm, pm + d);
          pn = Med3(pn - 2 * d, pn - d, pn);
        }
        pm = Med3(pl, pm, pn);
      }
      Swap(a, pm);
      long pa = a + 1, pb = a + 1;
      long pc = a + n - 1, pd = a + n - 1;
      bool swapped = false;
      for (;;) {
        int r;
        while (pb <= pc && (r = Cmp(pb, a)) <= 0) {
          if (r == 0) {
            swapped = true;
            Swap(pa, pb);
            pa++;
          }
          pb++;
        }
        while (pb <= pc && (r = Cmp(pc, a)) >= 0) {
          if (r == 0) {
            swapped = true;
            Swap(pc, pd);
            pd--;
          }
          pc--;
        }
        if (pb > pc) break;
        Swap(pb, pc);
        swapped = true;
        pb++;
        pc--;
      }
      if (!swapped) {  // already partitioned: finish by insertion sort
        InsertionSort(a, n);
        return;
      }
      const long pn = a + n;
      long r = std::min(pa - a, pb - pa);
      VecSwap(a, pb - r, r);
      r = std::min(pd - pc, pn - pd - 1);
      VecSwap(pb, pn - r, r);
      if ((r = pb - pa) > 1 && Overlaps(a, r)) Sort(a, r);
      if ((r = pd - pc) > 1) {
        a = pn - r;
        n = r;
        if (Overlaps(a, n)) continue;
      }
      return;
    }
  }

 private:
  int Cmp(long i, long j) const { return cmp_(v_[i], v_[j]); }
  void Swap(long i, long j) { std::swap(v_[i], v_[j]); }
  void VecSwap(long i, long j, long n) {
    for (long k = 0; k < n; k++) Swap(i + k, j + k);
  }
  long Med3(long a, long b, long c) const {
    return Cmp(a, b) < 0 ? (Cmp(b, c) < 0 ? b : (Cmp(a, c) < 0 ? c : a))
                         : (Cmp(b, c) > 0 ? b : (Cmp(a, c) < 0 ? a : c));
  }
  void InsertionSort(long a, long n) {
    for (long pm = a + 1; pm < a + n; pm++) {
      for (long pl = pm; pl > a && Cmp(pl - 1, pl) > 0; pl--) Swap(pl, pl - 1);
    }
  }
  // False when the requested range lies wholly before or wholly after the
  // partition [s, s+m).
  bool Overlaps(long s, long m) const {
    return !((lrange_ < s && rrange_ < s) || (lrange_ >= s + m && rrange_ >= s + m));
  }

  SortItem* v_;
  const SortComparator& cmp_;
  long lrange_, rrange_;
};

// ---------------------------------------------------------------------------
// Pattern lookups (Redis's lookupKeyByPattern)

// A value found through a BY or GET pattern: an integer, or bytes valid until
// the next lookup.
struct PatternValue {
  bool is_int = false;
  long long ival = 0;
  std::string_view str;

  std::string_view View(char (&buf)[kLongStrSize]) const {
    if (!is_int) return str;
    return std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, ival)));
  }
};

bool IsHashPattern(std::string_view pat) {
  // "#" as a C string: "#" itself, or "#" followed by a NUL byte.
  return !pat.empty() && pat[0] == '#' && (pat.size() == 1 || pat[1] == '\0');
}

// Length of pat as a C string (up to the first NUL byte).
size_t CLength(std::string_view pat) {
  const size_t nul = pat.find('\0');
  return nul == std::string_view::npos ? pat.size() : nul;
}

// True if the pattern has a `*` before any NUL byte (strchr semantics).
bool HasStar(std::string_view pat) {
  return pat.substr(0, CLength(pat)).find('*') != std::string_view::npos;
}

class PatternLookup {
 public:
  explicit PatternLookup(CommandContext& c) : c_(c) {}

  // Resolves pat for element subst: the value of the string key named by
  // substituting the first `*` with subst, or with "key->field" the field of
  // the hash at that key. "#" gives the element itself. Returns false when
  // there is no such value (no `*`, missing key, wrong type, no field).
  bool Lookup(std::string_view pat, std::string_view subst, PatternValue* out) {
    if (IsHashPattern(pat)) {
      out->is_int = false;
      out->str = subst;
      return true;
    }
    const size_t clen = CLength(pat);
    const size_t star = pat.substr(0, clen).find('*');
    if (star == std::string_view::npos) return false;
    // "->" after the `*`, followed by at least one (non-NUL) byte.
    size_t fieldlen = 0;
    std::string_view field;
    const size_t arrow = pat.substr(0, clen).find("->", star + 1);
    if (arrow != std::string_view::npos && arrow + 2 < clen) {
      field = pat.substr(arrow + 2);
      fieldlen = field.size();
    }
    const size_t postfix_end = fieldlen ? pat.size() - fieldlen - 2 : pat.size();
    key_.assign(pat.data(), star);
    key_.append(subst.data(), subst.size());
    key_.append(pat.data() + star + 1, postfix_end - star - 1);

    Entry* e = c_.ReadKey(key_);
    if (!e) return false;
    if (fieldlen) {
      if (e->type != kHash) return false;
      HashFieldValue hv;
      if (!e->as<HashValue>()->Get(field, &hv)) return false;
      out->is_int = hv.is_int;
      out->ival = hv.ival;
      out->str = hv.str;
      return true;
    }
    if (e->type != kString) return false;
    if (e->is_int()) {
      out->is_int = true;
      out->ival = e->int_value();
    } else {
      out->is_int = false;
      out->str = e->str();
    }
    return true;
  }

 private:
  CommandContext& c_;
  std::string key_;
};

// strtod over the C string (up to the first NUL), as SORT converts weights:
// false for trailing bytes, NaN, or ERANGE (overflow, underflow, subnormal).
bool ParseWeight(std::string_view s, std::string* scratch, double* out) {
  long long ll;
  if (String2ll(s, &ll)) {  // exact integers convert the same without strtod
    *out = static_cast<double>(ll);
    return true;
  }
  scratch->assign(s.data(), s.size());
  const char* p = scratch->c_str();
  char* end;
  errno = 0;
  const double v = strtod(p, &end);
  *out = v;
  return *end == '\0' && errno != ERANGE && !std::isnan(v);
}

// ---------------------------------------------------------------------------
// SORT / SORT_RO

void SortGeneric(CommandContext& c, bool readonly) {
  bool desc = false, alpha = false, dontsort = false;
  long limit_start = 0, limit_count = -1;
  std::string_view sortby;
  bool has_sortby = false;
  std::string_view storekey;
  bool has_store = false;
  std::vector<std::string_view> gets;

  for (int j = 2; j < c.argc; j++) {
    const int leftargs = c.argc - j - 1;
    if (c.Is(j, "asc")) {
      desc = false;
    } else if (c.Is(j, "desc")) {
      desc = true;
    } else if (c.Is(j, "alpha")) {
      alpha = true;
    } else if (c.Is(j, "limit") && leftargs >= 2) {
      int64_t s, n;
      if (!c.ParseInt(j + 1, &s) || !c.ParseInt(j + 2, &n)) return;
      limit_start = static_cast<long>(s);
      limit_count = static_cast<long>(n);
      j += 2;
    } else if (!readonly && c.Is(j, "store") && leftargs >= 1) {
      storekey = c.arg(j + 1);
      has_store = true;
      j++;
    } else if (c.Is(j, "by") && leftargs >= 1) {
      sortby = c.arg(j + 1);
      has_sortby = true;
      if (!HasStar(sortby)) dontsort = true;
      j++;
    } else if (c.Is(j, "get") && leftargs >= 1) {
      gets.push_back(c.arg(j + 1));
      j++;
    } else {
      c.SyntaxError();
      return;
    }
  }

  Entry* src = c.ReadKey(c.arg(1));
  if (src && src->type != kList && src->type != kSet && src->type != kZSet) {
    c.WrongType();
    return;
  }
  const ObjType type = src ? static_cast<ObjType>(src->type) : kList;

  // A set has no order of its own: with STORE, or run by a script, it is
  // sorted ALPHA instead (so replicas and the AOF see the same result).
  if (dontsort && type == kSet && (has_store || c.client.lua)) {
    dontsort = false;
    alpha = true;
    has_sortby = false;
  }

  // Redis converts a listpack zset to a skiplist for SORT (even SORT_RO).
  ZSetValue* zs = nullptr;
  if (type == kZSet) {
    zs = src->as<ZSetValue>();
    if (zs->is_listpack()) {
      zs->ConvertToSkiplist(zs->size());
      src->encoding = zs->encoding();
    }
  }

  long vectorlen = src ? static_cast<long>(src->collection()->Length()) : 0;

  // LIMIT, clamped to the size (so no overflow below).
  long start = std::min(std::max(limit_start, 0L), vectorlen);
  limit_count = std::min(std::max(limit_count, -1L), vectorlen);
  long end = limit_count < 0 ? vectorlen - 1 : start + limit_count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  // Lists and zsets in their own order load only the selected range.
  if ((type == kZSet || type == kList) && dontsort && (start != 0 || end != vectorlen - 1)) {
    vectorlen = end - start + 1;
  }

  std::string arena;
  std::vector<SortItem> vec;
  std::vector<WeightSpan> weights;
  vec.reserve(static_cast<size_t>(std::max(vectorlen, 0L)));
  auto add = [&](std::string_view elem) {
    SortItem it;
    it.eoff = arena.size();
    it.elen = elem.size();
    if (alpha && has_sortby) {
      it.widx = kNoWeight;
    } else {
      it.score = 0;
    }
    arena.append(elem.data(), elem.size());
    vec.push_back(it);
  };

  if (type == kList && dontsort) {
    if (end >= start) {
      ListValue* list = src->as<ListValue>();
      const long from = desc ? static_cast<long>(list->size()) - start - 1 : start;
      list->ForRange(from, static_cast<size_t>(vectorlen), desc, [&](const LpValue& v) {
        char buf[kLongStrSize];
        add(v.View(buf));
      });
      end -= start;
      start = 0;
    }
  } else if (type == kList) {
    if (src) {
      ListValue* list = src->as<ListValue>();
      list->ForRange(0, list->size(), false, [&](const LpValue& v) {
        char buf[kLongStrSize];
        add(v.View(buf));
      });
    }
  } else if (type == kSet) {
    src->as<SetValue>()->ForEach([&](std::string_view m) { add(m); });
  } else if (dontsort) {
    // zset in score order (reversed by DESC), from the first selected rank.
    char buf[kLongStrSize];
    const long len = static_cast<long>(zs->size());
    if (vectorlen > 0) {
      ZIter it = zs->AtRank(static_cast<size_t>(desc ? len - 1 - start : start));
      for (long k = 0; k < vectorlen && zs->Valid(it); k++) {
        add(zs->Member(it, buf));
        if (desc) {
          zs->Prev(&it);
        } else {
          zs->Next(&it);
        }
      }
    }
    end -= start;
    start = 0;
  } else {
    char buf[kLongStrSize];
    for (ZIter it = zs->First(); zs->Valid(it); zs->Next(&it)) add(zs->Member(it, buf));
  }

  PatternLookup lookup(c);
  bool conversion_error = false;
  if (!dontsort) {
    std::string scratch;
    char buf[kLongStrSize];
    for (SortItem& it : vec) {
      const std::string_view elem(arena.data() + it.eoff, it.elen);
      PatternValue byval;
      if (has_sortby) {
        if (!lookup.Lookup(sortby, elem, &byval)) continue;
      } else {
        byval.str = elem;
      }
      if (alpha) {
        if (has_sortby) {
          const std::string_view w = byval.View(buf);
          it.widx = weights.size();
          weights.push_back({arena.size(), w.size()});
          arena.append(w.data(), w.size());
        }
      } else if (byval.is_int) {
        it.score = static_cast<double>(byval.ival);
      } else if (!ParseWeight(byval.str, &scratch, &it.score)) {
        conversion_error = true;
      }
    }

    // The order is not output after a conversion error, and NaN weights
    // would not be a valid ordering: skip the sort then, as well as when no
    // element is selected.
    if (!conversion_error && end >= start && !vec.empty()) {
      const SortComparator cmp{arena.data(), weights.data(), alpha, has_sortby, has_store, desc};
      if (has_sortby && (start != 0 || end != static_cast<long>(vec.size()) - 1)) {
        PartialQuicksort(vec.data(), cmp, start, end).Sort(0, static_cast<long>(vec.size()));
      } else {
        // glibc's qsort is a merge sort: stable.
        std::stable_sort(vec.begin(), vec.end(),
                         [&](const SortItem& a, const SortItem& b) { return cmp(a, b) < 0; });
      }
    }
  }

  if (conversion_error) {
    c.reply.Error(kScoreConversion);
    return;
  }

  const long count = end >= start ? end - start + 1 : 0;
  const size_t outputlen = gets.empty() ? static_cast<size_t>(count) : gets.size() * static_cast<size_t>(count);
  auto elem_of = [&](long j) { return std::string_view(arena.data() + vec[j].eoff, vec[j].elen); };

  if (!has_store) {
    c.reply.Array(outputlen);
    for (long j = start; j <= end; j++) {
      const std::string_view elem = elem_of(j);
      if (gets.empty()) c.reply.Bulk(elem);
      for (std::string_view pat : gets) {
        PatternValue v;
        if (!lookup.Lookup(pat, elem, &v)) {
          c.reply.Null();
        } else if (v.is_int) {
          c.reply.BulkInt(v.ival);
        } else {
          c.reply.Bulk(v.str);
        }
      }
    }
    return;
  }

  if (outputlen > 0) {
    std::unique_ptr<ListValue> list = NewListValue(c);
    char buf[kLongStrSize];
    for (long j = start; j <= end; j++) {
      const std::string_view elem = elem_of(j);
      if (gets.empty()) list->Push(elem, ListWhere::kTail);
      for (std::string_view pat : gets) {
        PatternValue v;
        list->Push(lookup.Lookup(pat, elem, &v) ? v.View(buf) : std::string_view(), ListWhere::kTail);
      }
    }
    c.StoreKey(NewCollectionEntry(storekey, KeyHash(storekey), kList, kEncQuicklist, std::move(list)));
    c.KeyChanged(storekey, kNotifyList, "sortstore", outputlen);
  } else if (c.DeleteKey(storekey)) c.Dirty();
  c.reply.Int(static_cast<long long>(outputlen));
}

void SortCommand(CommandContext& c) { SortGeneric(c, false); }
void SortRoCommand(CommandContext& c) { SortGeneric(c, true); }

}  // namespace

void RegisterSortCommands(CommandRegistry& r) {
  r.Add("sort", SortCommand);
  r.Add("sort_ro", SortRoCommand);
}

}  // namespace tachyon
