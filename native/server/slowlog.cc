// SLOWLOG GET/LEN/RESET/HELP and the log itself (see slowlog.h). Semantics
// and texts follow Redis 7.0's slowlog.c; the code is Tachyon's own.
#include "server/slowlog.h"

#include <climits>
#include <cstdio>
#include <ctime>

#include "server/command.h"
#include "server/replies.h"
#include "server/server.h"

namespace tachyon {

void Slowlog::Push(const std::vector<std::string_view>& argv, uint64_t duration, int64_t threshold,
                   int64_t max_len, std::string_view peer, std::string_view name, const std::vector<int>* redacted) {
  if (threshold < 0) return;
  if (duration < static_cast<uint64_t>(threshold)) return Trim(max_len);  // Redis trims on every call
  SlowlogEntry e;
  e.id = next_id_++;
  e.time = static_cast<int64_t>(time(nullptr));
  e.duration = duration;
  const size_t argc = argv.size();
  const size_t kept = argc > kMaxArgc ? kMaxArgc : argc;
  e.argv.reserve(kept);
  for (size_t j = 0; j < kept; j++) {
    if (kept != argc && j == kept - 1) {
      e.argv.push_back("... (" + std::to_string(argc - kept + 1) + " more arguments)");
      break;
    }
    bool hidden = false;
    if (redacted) {
      for (int r : *redacted) hidden |= r == static_cast<int>(j);
    }
    std::string_view a = argv[j];
    if (hidden) {
      e.argv.emplace_back("(redacted)");
    } else if (a.size() > kMaxString) {
      std::string s(a.substr(0, kMaxString));
      s += "... (" + std::to_string(a.size() - kMaxString) + " more bytes)";
      e.argv.push_back(std::move(s));
    } else {
      e.argv.emplace_back(a);
    }
  }
  e.peer.assign(peer);
  e.name.assign(name);
  entries_.push_front(std::move(e));
  Trim(max_len);
}

void Slowlog::Trim(int64_t max_len) {
  while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
}

namespace {

void SlowlogGet(CommandContext& c) {
  if (c.argc > 3) return SubcommandSyntaxError(c, "SLOWLOG");
  const auto& entries = c.server.slowlog().entries();
  long count = 10;
  if (c.argc == 3) {
    if (!c.ParseRange(2, -1, LONG_MAX, &count, "ERR count should be greater than or equal to -1")) return;
    if (count == -1) count = static_cast<long>(entries.size());
  }
  size_t n = entries.size() < static_cast<size_t>(count) ? entries.size() : static_cast<size_t>(count);
  c.reply.Array(n);
  for (size_t i = 0; i < n; i++) {
    const SlowlogEntry& e = entries[i];
    c.reply.Array(6);
    c.reply.Int(static_cast<long long>(e.id));
    c.reply.Int(e.time);
    c.reply.Int(static_cast<long long>(e.duration));
    c.reply.Array(e.argv.size());
    for (const std::string& a : e.argv) c.reply.Bulk(a);
    c.reply.Bulk(e.peer);
    c.reply.Bulk(e.name);
  }
}

void SlowlogLen(CommandContext& c) { c.reply.Int(static_cast<long long>(c.server.slowlog().entries().size())); }

void SlowlogReset(CommandContext& c) {
  c.server.slowlog().Reset();
  c.reply.Ok();
}

void SlowlogHelp(CommandContext& c) {
  ReplyHelp(c, "SLOWLOG",
            {
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
            });
}

}  // namespace

void RegisterSlowlogCommands(CommandRegistry& r) {
  r.Add("slowlog|get", SlowlogGet);
  r.Add("slowlog|len", SlowlogLen);
  r.Add("slowlog|reset", SlowlogReset);
  r.Add("slowlog|help", SlowlogHelp);
}

}  // namespace tachyon
