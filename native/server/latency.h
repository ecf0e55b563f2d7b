// Latency: Redis's latency monitor (latency.c) and per-command latency
// histograms (7.0's LATENCY HISTOGRAM and INFO latencystats).
//
// The monitor keeps, per event name ("command", "fast-command",
// "expire-cycle", and the persistence events), the last 160 samples of at
// most one per second (the worst of that second) and the all-time maximum,
// in milliseconds; events below latency-monitor-threshold are not recorded.
//
// The histograms (core/hdr_histogram.h) are fed like Redis's with the
// command's duration in whole microseconds times 1000, so LATENCY HISTOGRAM
// reports the same buckets (1, 2, 4, 8, 16, 33, 66, ... microseconds) and
// INFO latencystats the same percentile values as redis-server for the same
// durations.
#pragma once

#include <cstdint>
#include <map>

#include "core/hdr_histogram.h"
#include <string>
#include <vector>

namespace tachyon {

class CommandRegistry;



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
