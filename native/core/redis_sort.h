// The two sorts behind the order of Redis's GEO replies, reproduced
// comparison for comparison, because both decide where points at the same
// distance go (and, for NaN distances, where everything goes):
//
// MergeSort: what glibc's qsort() does for Redis (glibc 2.36, as on Debian
// 12): a top-down merge sort that splits n into n/2 and n - n/2 and, on
// equal keys, takes from the left half first. Used when every match is
// returned.
//
// PartialQuickSort: Redis's pqsort, a Bentley-McIlroy quicksort that only
// keeps sorting the partitions overlapping the positions [lrange, rrange],
// so those positions end up holding what a full sort would put there. Used
// for COUNT below the number of matches. It is not stable: which of several
// points at the same distance come first, and which make the cut, depends on
// the exact sequence of comparisons and swaps, so this follows the algorithm
// step by step (median of three, ninther above 40 elements, insertion sort
// below 7, equal keys gathered at both ends and swapped to the middle).
//
// Comparators return <0, 0 or >0.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace tachyon {

namespace redis_sort_detail {

// Merges a[0..n1) and a[n1..n) through tmp, taking from the left on ties.
template <class T, class Cmp>
void MergeSortRange(T* a, size_t n, const Cmp& cmp, T* tmp) {
  if (n <= 1) return;
  const size_t n1 = n / 2, n2 = n - n1;
  T* b1 = a;
  T* b2 = a + n1;
  MergeSortRange(b1, n1, cmp, tmp);
  MergeSortRange(b2, n2, cmp, tmp);
  size_t i = 0, j = 0, k = 0;
  while (i < n1 && j < n2) {
    if (cmp(b1[i], b2[j]) <= 0) {
      tmp[k++] = std::move(b1[i++]);
    } else {
      tmp[k++] = std::move(b2[j++]);
    }
  }
  // What is left of the right half is already in place.
  while (i < n1) tmp[k++] = std::move(b1[i++]);
  for (size_t m = 0; m < k; m++) a[m] = std::move(tmp[m]);
}


template <class T, class Cmp>
T* Med3(T* a, T* b, T* c, const Cmp& cmp) {
  return cmp(*a, *b) < 0 ? (cmp(*b, *c) < 0 ? b : (cmp(*a, *c) < 0 ? c : a))
                         : (cmp(*b, *c) > 0 ? b : (cmp(*a, *c) < 0 ? a : c));
}

template <class T>
void VecSwap(T* a, T* b, size_t n) {
  for (size_t i = 0; i < n; i++) std::swap(a[i], b[i]);
}

// Sorts a[0..n) as far as it matters for the elements lo..hi (pointers into
// the whole array).
template <class T, class Cmp>
void Sort(T* a, size_t n, const Cmp& cmp, const T* lo, const T* hi) {
  for (;;) {
    if (n < 7) {
      for (T* pm = a + 1; pm < a + n; pm++) {
        for (T* pl = pm; pl > a && cmp(pl[-1], *pl) > 0; pl--) std::swap(*pl, pl[-1]);
      }
      return;
    }
    T* pm = a + n / 2;
    if (n > 7) {
      T* pl = a;
      T* pn = a + n - 1;
      if (n > 40) {
        size_t d = n / 8;
        pl = Med3(pl, pl + d, pl + 2 * d, cmp);
        pm = Med3(pm - d, pm, pm + d, cmp);
        pn = Med3(pn - 2 * d, pn - d, pn, cmp);
      }
      pm = Med3(pl, pm, pn, cmp);
    }
    std::swap(*a, *pm);
    T *pa = a + 1, *pb = a + 1;
    T *pc = a + n - 1, *pd = a + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(*pb, *a)) <= 0) {
        if (r == 0) std::swap(*pa++, *pb);
        pb++;
      }
      while (pb <= pc && (r = cmp(*pc, *a)) >= 0) {
        if (r == 0) std::swap(*pc, *pd--);
        pc--;
      }
      if (pb > pc) break;
      std::swap(*pb++, *pc--);
    }
    T* pn = a + n;
    size_t r = static_cast<size_t>(pa - a) < static_cast<size_t>(pb - pa) ? pa - a : pb - pa;
    VecSwap(a, pb - r, r);
    r = static_cast<size_t>(pd - pc) < static_cast<size_t>(pn - pd - 1) ? pd - pc : pn - pd - 1;
    VecSwap(pb, pn - r, r);
    // The elements smaller than the pivot are now at the front, the larger
    // at the back; only parts that overlap lo..hi are sorted further.
    auto overlaps = [&](const T* first, const T* last) {
      return !((lo < first && hi < first) || (lo > last && hi > last));
    };
    if ((r = pb - pa) > 1 && overlaps(a, a + r - 1)) Sort(a, r, cmp, lo, hi);
    if ((r = pd - pc) > 1) {
      a = pn - r;
      n = r;
      if (overlaps(a, a + r - 1)) continue;
    }
    return;
  }
}

}  // namespace redis_sort_detail

template <class T, class Cmp>
void MergeSort(T* a, size_t n, Cmp cmp) {
  std::vector<T> tmp(n);
  redis_sort_detail::MergeSortRange(a, n, cmp, tmp.data());
}

// lrange <= rrange < n.
template <class T, class Cmp>
void PartialQuickSort(T* a, size_t n, Cmp cmp, size_t lrange, size_t rrange) {
  redis_sort_detail::Sort(a, n, cmp, a + lrange, a + rrange);
}

}  // namespace tachyon
