// An HDR histogram with the configuration Redis 7.0 uses for per-command
// latencies (hdr_init(1, 1e9, 2): values from 1 to 1,000,000,000, two
// significant figures, i.e. 256 sub-buckets of 23 power-of-two buckets) and
// hdr_histogram's exact arithmetic: the counts index of a value, the
// "equivalent value" ranges, hdr_value_at_percentile, and the logarithmic
// iteration Redis's LATENCY HISTOGRAM prints. Same inputs, same outputs as
// redis-server's.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace tachyon {

class LatencyHistogram {
 public:
  static constexpr int64_t kMin = 1;           // ns
  static constexpr int64_t kMax = 1000000000;  // ns
  LatencyHistogram();
  // Records a duration in nanoseconds (clamped to [kMin, kMax]).
  void Record(int64_t ns);
  int64_t total() const { return total_; }
  // hdr_value_at_percentile: the highest value equivalent to the value at the percentile.
  int64_t ValueAtPercentile(double percentile) const;
  // LATENCY HISTOGRAM's rows: (microseconds, cumulative count) per power-of-two
  // step from 1024 ns on, where the cumulative count grew (hdr_iter_log).
  std::vector<std::pair<int64_t, int64_t>> CumulativeBuckets() const;

 private:
  int32_t BucketIndex(int64_t v) const;
  int32_t CountsIndex(int64_t v) const;
  int64_t ValueAtIndex(int32_t index) const;
  int64_t LowestEquivalent(int64_t v) const;
  int64_t RangeSize(int64_t v) const;
  int64_t HighestEquivalent(int64_t v) const { return LowestEquivalent(v) + RangeSize(v) - 1; }

  std::vector<int64_t> counts_;
  int64_t total_ = 0;
};

}  // namespace tachyon
