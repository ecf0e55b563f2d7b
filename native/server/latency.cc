// LATENCY DOCTOR/GRAPH/HISTORY/LATEST/RESET/HISTOGRAM/HELP, the latency
// monitor and the per-command HDR histograms (see latency.h). Semantics,
// report texts and the sparkline drawing follow Redis 7.0 (latency.c,
// sparkline.c, hdr_histogram.c); the code is Tachyon's own.
#include "server/latency.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <strings.h>

#include "server/command.h"
#include "server/replies.h"
#include "server/server.h"

namespace tachyon {

// ---------------------------------------------------------------------------
// Latency monitor

void LatencyMonitor::Add(const std::string& event, uint64_t ms) {
  Series& ts = events_[event];
  const int64_t now = static_cast<int64_t>(time(nullptr));
  const uint32_t latency = static_cast<uint32_t>(ms);
  // One sample per second: the worst of that second.
  int prev = (ts.idx + kSamples - 1) % kSamples;
  if (ts.samples[prev].time == now) {
    if (latency > ts.samples[prev].latency) ts.samples[prev].latency = latency;
    return;
  }
  ts.samples[ts.idx].time = now;
  ts.samples[ts.idx].latency = latency;
  if (latency > ts.max) ts.max = latency;
  ts.idx = (ts.idx + 1) % kSamples;
}

int LatencyMonitor::Reset(const std::string& event) {
  int resets = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    if (event.empty() || strcasecmp(it->first.c_str(), event.c_str()) == 0) {
      it = events_.erase(it);
      resets++;
    } else {
      ++it;
    }
  }
  return resets;
}

namespace {

struct EventStats {
  uint32_t all_time_high = 0;
  uint64_t avg = 0, min = 0, max = 0, mad = 0;
  int samples = 0;
  int64_t period = 0;
};

EventStats Analyze(const LatencyMonitor::Series& ts) {
  EventStats ls;
  ls.all_time_high = ts.max;
  uint64_t sum = 0;
  for (const auto& s : ts.samples) {
    if (s.time == 0) continue;
    ls.samples++;
    if (ls.samples == 1) {
      ls.min = ls.max = s.latency;
    } else {
      if (ls.min > s.latency) ls.min = s.latency;
      if (ls.max < s.latency) ls.max = s.latency;
    }
    sum += s.latency;
    if (ls.period == 0 || s.time < ls.period) ls.period = s.time;
  }
  if (ls.samples) {
    ls.avg = sum / ls.samples;
    ls.period = static_cast<int64_t>(time(nullptr)) - ls.period;
    if (ls.period == 0) ls.period = 1;
  }
  sum = 0;
  for (const auto& s : ts.samples) {
    if (s.time == 0) continue;
    int64_t delta = static_cast<int64_t>(ls.avg) - s.latency;
    sum += static_cast<uint64_t>(delta < 0 ? -delta : delta);
  }
  if (ls.samples) ls.mad = sum / ls.samples;
  return ls;
}

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return std::string(buf, n < 0 ? 0 : std::min<size_t>(n, sizeof buf - 1));
}

bool Is(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

}  // namespace

std::string LatencyReport(const LatencyMonitor& m, const LatencyReportInputs& in) {
  std::string report;
  bool better_vm = false, slowlog_enabled = false, slowlog_tuning = false, slowlog_inspect = false;
  bool disk_contention = false, scheduler = false, data_writeback = false, no_appendfsync = false;
  bool local_disk = false, ssd = false, write_load_info = false, hz = false, large_objects = false;
  bool mass_eviction = false, relax_fsync_policy = false, disable_thp = false;
  int advices = 0;

  if (m.events().empty() && in.monitor_threshold == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
           "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
           "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }

  int eventnum = 0;
  for (const auto& [event, ts] : m.events()) {
    eventnum++;
    if (eventnum == 1) {
      report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do "
                "you Dave?\n\n";
    }
    EventStats ls = Analyze(ts);
    report += Format("%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). Worst all "
                     "time event %lums.",
                     eventnum, event.c_str(), ls.samples, static_cast<unsigned long>(ls.avg),
                     static_cast<unsigned long>(ls.mad), static_cast<double>(ls.period) / ls.samples,
                     static_cast<unsigned long>(ts.max));
    if (Is(event, "fork")) {
      const char* quality;
      if (in.fork_rate_gb_per_sec < 10) {
        quality = "terrible";
        better_vm = true;
        advices++;
      } else if (in.fork_rate_gb_per_sec < 25) {
        quality = "poor";
        better_vm = true;
        advices++;
      } else if (in.fork_rate_gb_per_sec < 100) {
        quality = "good";
      } else {
        quality = "excellent";
      }
      report += Format(" Fork rate is %.2f GB/sec (%s).", in.fork_rate_gb_per_sec, quality);
    }
    if (Is(event, "command")) {
      if (in.slowlog_threshold < 0) {
        slowlog_enabled = true;
        advices++;
      } else if (in.slowlog_threshold / 1000 > in.monitor_threshold) {
        slowlog_tuning = true;
        advices++;
      }
      slowlog_inspect = true;
      large_objects = true;
      advices += 2;
    }
    if (Is(event, "fast-command")) {
      scheduler = true;
      advices++;
    }
    if (Is(event, "aof-write-pending-fsync")) {
      local_disk = disk_contention = ssd = data_writeback = true;
      advices += 4;
    }
    if (Is(event, "aof-write-active-child")) {
      no_appendfsync = data_writeback = ssd = true;
      advices += 3;
    }
    if (Is(event, "aof-write-alone")) {
      local_disk = data_writeback = ssd = true;
      advices += 3;
    }
    if (Is(event, "aof-fsync-always")) {
      relax_fsync_policy = true;
      advices++;
    }
    if (Is(event, "aof-fstat") || Is(event, "rdb-unlink-temp-file")) {
      disk_contention = local_disk = true;
      advices += 2;
    }
    if (Is(event, "aof-rewrite-diff-write") || Is(event, "aof-rename")) {
      write_load_info = data_writeback = ssd = local_disk = true;
      advices += 4;
    }
    if (Is(event, "expire-cycle")) {
      hz = large_objects = true;
      advices += 2;
    }
    if (Is(event, "eviction-del")) {
      large_objects = true;
      advices++;
    }
    if (Is(event, "eviction-cycle")) {
      mass_eviction = true;
      advices++;
    }
    report += "\n";
  }

  if (in.anon_huge_pages > 0) {
    disable_thp = true;
    advices++;
  }

  if (eventnum == 0 && advices == 0) {
    report += "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
              "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  } else if (eventnum > 0 && advices == 0) {
    report += "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
              "community to get some help, providing this report in your help request.\n";
  } else {
    report += "\nI have a few advices for you:\n\n";
    if (better_vm) {
      report += "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior "
                "that provides less latency during fork() calls. Xen is known to have poor fork() performance. Even "
                "in the context of the same VM provider, certain kinds of instances can execute fork faster than "
                "others.\n";
    }
    if (slowlog_enabled) {
      report += Format("- There are latency issues with potentially slow commands you are using. Try to enable the "
                       "Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the "
                       "Slow log is disabled Redis is not able to log slow commands execution for you.\n",
                       static_cast<unsigned long long>(in.monitor_threshold) * 1000);
    }
    if (slowlog_tuning) {
      report += Format("- Your current Slow Log configuration only logs events that are slower than your configured "
                       "latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n",
                       static_cast<unsigned long long>(in.monitor_threshold) * 1000);
    }
    if (slowlog_inspect) {
      report += "- Check your Slow Log to understand what are the commands you are running which are too slow to "
                "execute. Please check https://redis.io/commands/slowlog for more information.\n";
    }
    if (scheduler) {
      report += "- The system is slow to execute Redis code paths not containing system calls. This usually means "
                "the system does not provide Redis CPU time to run for long periods. You should try to:\n"
                "  1) Lower the system load.\n"
                "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                "  3) Check if you have a \"noisy neighbour\" problem.\n"
                "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
                "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are "
                "using Jemalloc. However this may create fragmentation problems.\n";
    }
    if (local_disk) {
      report += "- It is strongly advised to use local disks for persistence, especially if you are using AOF. "
                "Remote disks provided by platform-as-a-service providers are known to be slow.\n";
    }
    if (ssd) {
      report += "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log "
                "rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a "
                "good option. However Redis should perform reasonably with high load using normal disks. Use this "
                "advice as a last resort.\n";
    }
    if (data_writeback) {
      report += "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to "
                "data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen "
                "that after a hard crash the AOF file will have a half-written command at the end and will require "
                "to be repaired before Redis restarts.\n";
    }
    if (disk_contention) {
      report += "- Try to lower the disk contention. This is often caused by other disk intensive processes running "
                "in the same computer (including other Redis instances).\n";
    }
    if (no_appendfsync) {
      report += "- Assuming from the point of view of data safety this is viable in your environment, you could try "
                "to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there "
                "is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk "
                "contention).\n";
    }
    if (relax_fsync_policy && in.appendfsync_always) {
      report += "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a "
                "setup, if possible try to relax the fsync policy to 'onesec'.\n";
    }
    if (write_load_info) {
      report += "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF "
                "file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer "
                "to get very large. If possible try to send less commands to accomplish the same work, or use Lua "
                "scripts to group multiple operations into a single EVALSHA call.\n";
    }
    if (hz && in.hz < 100) {
      report += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' "
                "configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
    }
    if (large_objects) {
      report += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking "
                "operation. If you have very large objects that are often deleted, expired, or evicted, try to "
                "fragment those objects into multiple smaller objects.\n";
    }
    if (mass_eviction) {
      report += "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via "
                "sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations "
                "(RESTORE command), may create sudden memory pressure forcing the server to block trying to evict "
                "keys. \n";
    }
    if (disable_thp) {
      report += "- I detected a non zero amount of anonymous huge pages used by your process. This creates very "
                "serious latency events in different conditions, especially when Redis is persisting on disk. To "
                "disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', "
                "make sure to also add it into /etc/rc.local so that the command will be executed again after a "
                "reboot. Note that even if you have already disabled THP, you still need to restart the Redis "
                "process to get rid of the huge pages already created.\n";
    }
  }
  return report;
}

// ---------------------------------------------------------------------------
// LATENCY GRAPH: an ASCII sparkline of the samples (sparkline.c).

namespace {

constexpr int kGraphColumns = 80;
constexpr const char kCharset[] = "_-`";
constexpr const char kCharsetFill[] = "_o#";
constexpr int kCharsetLen = 3;
constexpr int kLabelMarginTop = 1;

struct SparkSample {
  double value;
  std::string label;
};

struct Sequence {
  std::vector<SparkSample> samples;
  double min = 0, max = 0;
  int labels = 0;
  void Add(double v, const std::string& label) {
    if (samples.empty()) {
      min = max = v;
    } else if (v < min) {
      min = v;
    } else if (v > max) {
      max = v;
    }
    samples.push_back({v, label});
    if (!label.empty()) labels++;
  }
};

// Rows of filled characters, then the labels written vertically, for
// samples [offset, offset + len).
void RenderRange(std::string* out, const Sequence& seq, int rows, int offset, int len) {
  double relmax = seq.max - seq.min;
  const int steps = kCharsetLen * rows;
  if (relmax == 0) relmax = 1;
  std::string chars(static_cast<size_t>(len), ' ');
  for (int row = 0;; row++) {
    bool loop = false;
    chars.assign(static_cast<size_t>(len), ' ');
    for (int j = 0; j < len; j++) {
      const SparkSample& s = seq.samples[j + offset];
      double relval = s.value - seq.min;
      int step = static_cast<int>(relval * steps / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        int charidx = step - ((rows - row - 1) * kCharsetLen);
        loop = true;
        if (charidx >= 0 && charidx < kCharsetLen) {
          chars[j] = kCharsetFill[charidx];
        } else if (charidx >= kCharsetLen) {
          chars[j] = '|';
        }
      } else {
        if (seq.labels && row - rows < kLabelMarginTop) {
          loop = true;
          break;
        }
        if (!s.label.empty()) {
          int label_char = row - rows - kLabelMarginTop;
          if (static_cast<int>(s.label.size()) > label_char) {
            loop = true;
            chars[j] = s.label[label_char];
          }
        }
      }
    }
    if (!loop) break;
    *out += chars;
    *out += '\n';
  }
}

}  // namespace

std::string LatencyGraph(const std::string& event, const LatencyMonitor::Series& ts) {
  Sequence seq;
  uint32_t min = 0, max = 0;
  const int64_t now = static_cast<int64_t>(time(nullptr));
  for (int j = 0; j < LatencyMonitor::kSamples; j++) {
    const auto& s = ts.samples[(ts.idx + j) % LatencyMonitor::kSamples];
    if (s.time == 0) continue;
    if (seq.samples.empty()) {
      min = max = s.latency;
    } else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    // Labels: how long ago, in seconds, minutes, hours or days.
    int64_t elapsed = now - s.time;
    char buf[64];
    if (elapsed < 60) snprintf(buf, sizeof buf, "%llds", static_cast<long long>(elapsed));
    else if (elapsed < 3600) snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(elapsed / 60));
    else if (elapsed < 3600 * 24) snprintf(buf, sizeof buf, "%lldh", static_cast<long long>(elapsed / 3600));
    else snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(elapsed / (3600 * 24)));
    seq.Add(s.latency, buf);
  }
  std::string graph = Format("%s - high %lu ms, low %lu ms (all time high %lu ms)\n", event.c_str(),
                             static_cast<unsigned long>(max), static_cast<unsigned long>(min),
                             static_cast<unsigned long>(ts.max));
  graph.append(kGraphColumns, '-');
  graph += '\n';
  const int n = static_cast<int>(seq.samples.size());
  for (int j = 0; j < n; j += kGraphColumns) {
    int sublen = n - j < kGraphColumns ? n - j : kGraphColumns;
    if (j != 0) graph += '\n';
    RenderRange(&graph, seq, 4, j, sublen);
  }
  return graph;
}

// ---------------------------------------------------------------------------
// Commands

namespace {

// Bytes of transparent huge pages the process uses (AnonHugePages in smaps).
size_t AnonHugePages() {
  FILE* f = fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  char line[256];
  size_t kb = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "AnonHugePages:", 14) == 0) kb += strtoull(line + 14, nullptr, 10);
  }
  fclose(f);
  return kb * 1024;
}

void LatencyDoctor(CommandContext& c) {
  const Settings& s = c.server.settings();
  LatencyReportInputs in{s.latency_monitor_threshold, s.slowlog_log_slower_than, s.hz, s.appendfsync_always,
                         s.fork_rate_gb_per_sec, AnonHugePages()};
  c.reply.Verbatim(LatencyReport(c.server.latency(), in));
}

void LatencyGraphCommand(CommandContext& c) {
  std::string event(c.arg(2));
  const auto& events = c.server.latency().events();
  auto it = events.find(event);
  if (it == events.end()) {
    c.reply.Error("ERR No samples available for event '" + event.substr(0, event.find('\0')) + "'");
    return;
  }
  c.reply.Verbatim(LatencyGraph(it->first, it->second));
}

void LatencyHistory(CommandContext& c) {
  const auto& events = c.server.latency().events();
  auto it = events.find(std::string(c.arg(2)));
  if (it == events.end()) {
    c.reply.Array(0);
    return;
  }
  const LatencyMonitor::Series& ts = it->second;
  size_t n = 0;
  for (const auto& s : ts.samples) n += s.time != 0;
  c.reply.Array(n);
  for (int j = 0; j < LatencyMonitor::kSamples; j++) {
    const auto& s = ts.samples[(ts.idx + j) % LatencyMonitor::kSamples];
    if (s.time == 0) continue;
    c.reply.Array(2);
    c.reply.Int(s.time);
    c.reply.Int(s.latency);
  }
}

void LatencyLatest(CommandContext& c) {
  const auto& events = c.server.latency().events();
  c.reply.Array(events.size());
  for (const auto& [event, ts] : events) {
    const auto& last = ts.samples[(ts.idx + LatencyMonitor::kSamples - 1) % LatencyMonitor::kSamples];
    c.reply.Array(4);
    c.reply.Bulk(event);
    c.reply.Int(last.time);
    c.reply.Int(last.latency);
    c.reply.Int(ts.max);
  }
}

void LatencyReset(CommandContext& c) {
  if (c.argc == 2) {
    c.reply.Int(c.server.latency().Reset(""));
    return;
  }
  int resets = 0;
  for (int j = 2; j < c.argc; j++) {
    std::string event(c.arg(j));
    if (!event.empty()) resets += c.server.latency().Reset(event);
  }
  c.reply.Int(resets);
}

void ReplyCdf(CommandContext& c, const LatencyHistogram& h) {
  c.reply.Map(2);
  c.reply.Bulk("calls");
  c.reply.Int(h.total());
  c.reply.Bulk("histogram_usec");
  auto rows = h.CumulativeBuckets();
  c.reply.Map(rows.size());
  for (const auto& [micros, count] : rows) {
    c.reply.Int(micros);
    c.reply.Int(count);
  }
}

// One command (and, for a container, its subcommands) with data.
void CollectHistograms(const CommandEntry* cmd, std::vector<const CommandEntry*>* out) {
  if (cmd->stats.histogram) out->push_back(cmd);
  for (const auto& [name, sub] : cmd->subcommands) {
    if (sub->stats.histogram) out->push_back(sub);
  }
}

void LatencyHistogramCommand(CommandContext& c) {
  std::vector<const CommandEntry*> found;
  const auto& commands = c.server.commands();
  if (c.argc == 2) {
    for (const auto& [name, cmd] : commands) {
      if (cmd->stats.histogram) found.push_back(cmd.get());
    }
  } else {
    for (int j = 2; j < c.argc; j++) {
      // By full name, case-insensitively: "set", "config|get", or a container for all its subcommands.
      std::string name(c.arg(j));
      for (char& ch : name) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
      if (name.empty() || name[0] == '|') continue;
      auto it = commands.find(name.find('|') != std::string::npos ? "|" + name : name);
      if (it == commands.end()) continue;
      CollectHistograms(it->second.get(), &found);
    }
  }
  c.reply.Map(found.size());
  for (const CommandEntry* cmd : found) {
    c.reply.Bulk(cmd->spec->name);
    ReplyCdf(c, *cmd->stats.histogram);
  }
}

void LatencyHelp(CommandContext& c) {
  ReplyHelp(c, "LATENCY",
            {
                "DOCTOR",
                "    Return a human readable latency analysis report.",
                "GRAPH <event>",
                "    Return an ASCII latency graph for the <event> class.",
                "HISTORY <event>",
                "    Return time-latency samples for the <event> class.",
                "LATEST",
                "    Return the latest latency samples for all events.",
                "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)",
                "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram for the specified "
                "command names.",
                "    If no commands are specified then all histograms are replied.",
            });
}

}  // namespace

void RegisterLatencyCommands(CommandRegistry& r) {
  r.Add("latency|doctor", LatencyDoctor);
  r.Add("latency|graph", LatencyGraphCommand);
  r.Add("latency|history", LatencyHistory);
  r.Add("latency|latest", LatencyLatest);
  r.Add("latency|reset", LatencyReset);
  r.Add("latency|histogram", LatencyHistogramCommand);
  r.Add("latency|help", LatencyHelp);
}

}  // namespace tachyon
