// The HDR histogram of Redis's per-command latencies (see hdr_histogram.h).
#include "core/hdr_histogram.h"

#include <cstddef>

namespace tachyon {

// Lowest 1, highest 1e9, 2 significant figures: sub_bucket_count 256 (half
// 128, mask 255), unit magnitude 0, 23 buckets.
namespace {
constexpr int32_t kSubBucketCount = 256;
constexpr int32_t kSubBucketHalfCount = 128;
constexpr int32_t kSubBucketHalfCountMagnitude = 7;
constexpr int64_t kSubBucketMask = 255;

int32_t ComputeBucketCount() {
  int64_t smallest_untrackable = kSubBucketCount;
  int32_t buckets = 1;
  while (smallest_untrackable <= LatencyHistogram::kMax) {
    smallest_untrackable <<= 1;
    buckets++;
  }
  return buckets;
}
}  // namespace

LatencyHistogram::LatencyHistogram() : counts_((ComputeBucketCount() + 1) * kSubBucketHalfCount, 0) {}

int32_t LatencyHistogram::BucketIndex(int64_t v) const {
  int32_t pow2ceiling = 64 - __builtin_clzll(static_cast<uint64_t>(v | kSubBucketMask));
  return pow2ceiling - (kSubBucketHalfCountMagnitude + 1);
}

int32_t LatencyHistogram::CountsIndex(int64_t v) const {
  int32_t b = BucketIndex(v);
  int32_t sb = static_cast<int32_t>(v >> b);
  return ((b + 1) << kSubBucketHalfCountMagnitude) + (sb - kSubBucketHalfCount);
}

int64_t LatencyHistogram::ValueAtIndex(int32_t index) const {
  int32_t b = (index >> kSubBucketHalfCountMagnitude) - 1;
  int32_t sb = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (b < 0) {
    sb -= kSubBucketHalfCount;
    b = 0;
  }
  return static_cast<int64_t>(sb) << b;
}

int64_t LatencyHistogram::LowestEquivalent(int64_t v) const {
  int32_t b = BucketIndex(v);
  return (v >> b) << b;
}

int64_t LatencyHistogram::RangeSize(int64_t v) const {
  int32_t b = BucketIndex(v);
  int32_t sb = static_cast<int32_t>(v >> b);
  return int64_t{1} << (sb >= kSubBucketCount ? b + 1 : b);
}

void LatencyHistogram::Record(int64_t ns) {
  if (ns < kMin) ns = kMin;
  if (ns > kMax) ns = kMax;
  int32_t idx = CountsIndex(ns);
  if (idx < 0 || idx >= static_cast<int32_t>(counts_.size())) return;
  counts_[idx]++;
  total_++;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  double requested = percentile < 100.0 ? percentile : 100.0;
  int64_t count_at = static_cast<int64_t>((requested / 100) * static_cast<double>(total_) + 0.5);
  if (count_at < 1) count_at = 1;
  int64_t cumulative = 0;
  for (size_t i = 0; i < counts_.size(); i++) {
    cumulative += counts_[i];
    if (cumulative >= count_at) {
      int64_t v = ValueAtIndex(static_cast<int32_t>(i));
      return percentile == 0.0 ? LowestEquivalent(v) : HighestEquivalent(v);
    }
  }
  return 0;
}

// hdr_iter_log(1024, 2) as Redis's fillCommandCDF walks it: at each reporting
// level, the iterator stands on the first index whose value reaches the
// level; Redis reports that index's highest equivalent value and the count
// of everything up to it, when that count grew.
std::vector<std::pair<int64_t, int64_t>> LatencyHistogram::CumulativeBuckets() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int32_t len = static_cast<int32_t>(counts_.size());
  int32_t idx = -1;
  int64_t cumulative = 0, value = 0, highest = 0, previous = 0;
  int64_t level = 1024;
  int64_t level_low = LowestEquivalent(level);
  for (;;) {
    bool more = cumulative < total_ || (idx < len && ValueAtIndex(idx + 1) > level_low);
    if (!more) break;
    for (;;) {
      if (value >= level_low) {
        level *= 2;
        level_low = LowestEquivalent(level);
        break;
      }
      if (++idx >= len) break;  // past the end: reported with the same count
      cumulative += counts_[idx];
      value = ValueAtIndex(idx);
      highest = LowestEquivalent(value) + RangeSize(value) - 1;
    }
    if (cumulative > previous) out.emplace_back(highest / 1000, cumulative);
    previous = cumulative;
    if (idx >= len) break;
  }
  return out;
}

}  // namespace tachyon
