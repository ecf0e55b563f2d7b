// Latency: Redis's latency monitor (latency.c) and per-command latency
// histograms (7.0's LATENCY HISTOGRAM and INFO latencystats).
//
// The monitor keeps, per event name ("command", "fast-command",
// "expire-cycle", and the persistence events), the last 160 samples of at
// most one per second (the worst of that second) and the all-time maximum,
// in milliseconds; events below latency-monitor-threshold are not recorded.
//
// The histograms are HDR histograms with Redis's configuration (1 ns to
// 1 s, 2 significant figures: 256 sub-buckets, 23 buckets) and the same
// bucket arithmetic, fed like Redis with the command's duration in whole
// microseconds times 1000, so LATENCY HISTOGRAM reports the same buckets
// (1, 2, 4, 8, 16, 33, 66, ... microseconds) and INFO latencystats the
// same percentile values as redis-server for the same durations.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tachyon {

class CommandRegistry;

class LatencyHistogram {
 public:
  static constexpr int64_t kMin = 1;             // ns
  static constexpr int64_t kMax = 1000000000;    // ns
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

class LatencyMonitor {
 public:
  static constexpr int kSamples = 160;  // LATENCY_TS_LEN
  struct Sample {
    int64_t time = 0;     // unix seconds, 0: unused
    uint32_t latency = 0; // ms
  };
  struct Series {
    Sample samples[kSamples];
    int idx = 0;
    uint32_t max = 0;
  };

  // latencyAddSampleIfNeeded: records when threshold > 0 and ms >= threshold.
  void AddIfNeeded(const std::string& event, uint64_t ms, int64_t threshold) {
    if (threshold > 0 && static_cast<int64_t>(ms) >= threshold) Add(event, ms);
  }
  void Add(const std::string& event, uint64_t ms);
  // Resets one event (case-insensitive), or all with an empty name; returns how many.
  int Reset(const std::string& event);
  const std::map<std::string, Series>& events() const { return events_; }

 private:
  std::map<std::string, Series> events_;
};

// The LATENCY DOCTOR report (latency.c's createLatencyReport). `slowlog_threshold`
// is slowlog-log-slower-than, `appendfsync_always` whether appendfsync is always.
struct LatencyReportInputs {
  int64_t monitor_threshold;
  int64_t slowlog_threshold;
  int hz;
  bool appendfsync_always;
  double fork_rate_gb_per_sec;
  size_t anon_huge_pages;
};
std::string LatencyReport(const LatencyMonitor& m, const LatencyReportInputs& in);

// The LATENCY GRAPH text for one event.
std::string LatencyGraph(const std::string& event, const LatencyMonitor::Series& s);

void RegisterLatencyCommands(CommandRegistry& r);

}  // namespace tachyon
