// Stream commands: XADD XTRIM XLEN XRANGE XREVRANGE XDEL XREAD XREADGROUP
// XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP) XACK
// XPENDING XCLAIM XAUTOCLAIM XINFO (STREAM GROUPS CONSUMERS HELP) XSETID.
//
// Semantics, the order of argument checks against key lookups, reply shapes,
// error texts, keyspace events and 7.0's entries-read / lag bookkeeping follow
// Redis 7.0 (t_stream.c); the code is Tachyon's own. Values are StreamValue
// (stream_value.h).
//
// XREAD and XREADGROUP with BLOCK park the client on their keys
// (CommandContext::Block) when nothing can be served; a `$` id is replaced in
// the parked command by the id it stood for, so a retry
// (Server::RetryBlocked, when a key is signalled ready) sees what Redis's
// blocked client remembers. A retry serves the client from the ready key
// only, as Redis's serveClientsBlockedOnStreamKey does: XREAD when the stream
// has entries past its id, XREADGROUP when it has entries past the group's
// last-delivered id, failing it when the group (NOGROUP) or the stream key
// (UNBLOCKED) is gone. Anything else leaves it blocked, with its deadline.
//
// Propagation (AOF, replicas) is Redis 7.0's: XADD with the id it generated
// and an approximate trim as the exact one it amounted to; XREADGROUP,
// XCLAIM and XAUTOCLAIM never as themselves but as one XCLAIM ... FORCE
// JUSTID per PEL entry they created, moved or dropped (streamPropagateXCLAIM),
// XGROUP SETID when only the group's last id moved, XGROUP CREATECONSUMER for
// a consumer XREADGROUP NOACK created. Commands from the AOF are obeyed: an
// exact trim with LIMIT, which only rewriting produces, is accepted there.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/stream_id.h"
#include "core/stream_listpack.h"
#include "core/util.h"
#include "server/command.h"
#include "server/server.h"
#include "server/stream_value.h"

namespace tachyon {
namespace {

constexpr std::string_view kInvalidId = "ERR Invalid stream ID specified as stream command argument";
constexpr std::string_view kNoKeyError = "ERR no such key";
// XREAD on a blocked client without COUNT (XREAD_BLOCKED_DEFAULT_COUNT).
constexpr long long kBlockedDefaultCount = 1000;

StreamValue::Limits StreamLimits(CommandContext& c) {
  const Settings& s = c.server.settings();
  return {static_cast<size_t>(s.stream_node_max_bytes < 0 ? 0 : s.stream_node_max_bytes),
          s.stream_node_max_entries};
}

// Redis formats names into error texts with %s: they end at a NUL byte.
std::string_view CStr(std::string_view s) { return s.substr(0, std::min(s.find('\0'), s.size())); }

bool IsRetry(const CommandContext& c) { return c.client.block.retrying; }

// ---------------------------------------------------------------------------
// Propagation

// streamPropagateXCLAIM: the PEL entry id of group as it now is (or was,
// for one about to be dropped), as the XCLAIM that recreates it on a
// replica or when the AOF loads.
void PropagateClaim(CommandContext& c, std::string_view key, std::string_view group_name, const StreamGroup& g,
                    const StreamId& id, const StreamNack& nack) {
  if (!c.propagating()) return;
  c.AlsoPropagate({"XCLAIM", std::string(key), std::string(group_name), nack.consumer ? nack.consumer->name : "", "0",
                   id.ToString(), "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT",
                   std::to_string(nack.delivery_count), "FORCE", "JUSTID", "LASTID", g.last_id.ToString()});
}

// streamPropagateGroupID: the group's last id and entries-read.
void PropagateGroupId(CommandContext& c, std::string_view key, std::string_view group_name, const StreamGroup& g) {
  if (!c.propagating()) return;
  c.AlsoPropagate({"XGROUP", "SETID", std::string(key), std::string(group_name), g.last_id.ToString(),
                   "ENTRIESREAD", std::to_string(g.entries_read)});
}

// ---------------------------------------------------------------------------
// Argument parsing

// streamParseIDOrReply (strict = false) / streamParseStrictIDOrReply (strict = true).
bool ParseId(CommandContext& c, int i, bool strict, uint64_t missing_seq, StreamId* out) {
  if (StreamId::Parse(c.arg(i), strict, missing_seq, out)) return true;
  c.reply.Error(kInvalidId);
  return false;
}

// streamParseIntervalIDOrReply: "(" makes the bound exclusive (then "-"/"+" are invalid).
bool ParseIntervalId(CommandContext& c, int i, uint64_t missing_seq, StreamId* out, bool* exclude) {
  std::string_view s = c.arg(i);
  *exclude = s.size() > 1 && s[0] == '(';
  bool ok = *exclude ? StreamId::Parse(s.substr(1), true, missing_seq, out)
                     : StreamId::Parse(s, false, missing_seq, out);
  if (!ok) c.reply.Error(kInvalidId);
  return ok;
}

// A range's start and end arguments with Redis's exclusive-bound adjustments.
bool ParseRange(CommandContext& c, int start_i, int end_i, StreamId* start, StreamId* end) {
  bool ex;
  if (!ParseIntervalId(c, start_i, 0, start, &ex)) return false;
  if (ex && !start->Incr()) {
    c.reply.Error("ERR invalid start ID for the interval");
    return false;
  }
  if (!ParseIntervalId(c, end_i, UINT64_MAX, end, &ex)) return false;
  if (ex && !end->Decr()) {
    c.reply.Error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

bool ParseLongLong(CommandContext& c, int i, long long* out, std::string_view error = err::kNotInt) {
  int64_t v;
  if (!c.ParseInt(i, &v, error)) return false;
  *out = v;
  return true;
}

// ---------------------------------------------------------------------------
// Replies

void ReplyId(CommandContext& c, const StreamId& id) {
  char buf[StreamId::kMaxChars];
  c.reply.Bulk(std::string_view(buf, id.Format(buf)));
}

void ReplyLpValue(CommandContext& c, const LpValue& v) {
  if (v.is_int()) {
    c.reply.BulkInt(v.ival);
  } else {
    c.reply.Bulk(v.sv());
  }
}

// [id, [field, value, ...]] for the iterator's current entry.
void ReplyEntry(CommandContext& c, const StreamIterator& it) {
  c.reply.Array(2);
  ReplyId(c, it.id());
  const int64_t n = it.num_fields();
  c.reply.Array(static_cast<size_t>(n) * 2);
  stream_node::FieldCursor fields = it.Fields();
  for (int64_t i = 0; i < n; i++) {
    LpValue f, v;
    fields.Next(&f, &v);
    ReplyLpValue(c, f);
    ReplyLpValue(c, v);
  }
}

// Who a range is delivered to, for XREADGROUP.
struct Delivery {
  StreamGroup* group = nullptr;
  StreamConsumer* consumer = nullptr;
  bool noack = false;
  std::string_view key, group_name;  // as sent, for propagation
};

// streamReplyWithRange: entries start..end (count 0: all) as an array, or
// with raw set without the array header (one entry, for XCLAIM/XINFO).
// A delivery moves the group's last id and records each entry in the PELs.
size_t ReplyRange(CommandContext& c, StreamValue* s, const StreamId& start, const StreamId& end, size_t count,
                  bool rev, Delivery* d = nullptr, bool raw = false) {
  size_t handle = raw ? 0 : c.reply.BeginDeferredArray();
  size_t n = 0;
  StreamIterator it(*s, start, end, rev);
  while (it.Next()) {
    if (d) {
      s->AdvanceGroup(d->group, it.id());
      if (!d->noack) {
        const StreamNack* nack = d->group->Deliver(it.id(), d->consumer, c.now_ms);
        PropagateClaim(c, d->key, d->group_name, *d->group, it.id(), *nack);
      }
      c.Dirty();
    }
    ReplyEntry(c, it);
    n++;
    if (count && count == n) break;
  }
  if (!raw) c.reply.EndDeferredArray(handle, n);
  // Without PEL entries only the group's position tells what happened.
  if (d && d->noack && n) PropagateGroupId(c, d->key, d->group_name, *d->group);
  return n;
}

// streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries
// from start (XREADGROUP with an id): deleted ones as [id, nil].
size_t ReplyConsumerHistory(CommandContext& c, StreamValue* s, StreamConsumer* consumer, const StreamId& start,
                            size_t count) {
  size_t handle = c.reply.BeginDeferredArray();
  size_t n = 0;
  for (auto it = consumer->pel.lower_bound(start); it != consumer->pel.end() && (!count || n < count); ++it) {
    if (ReplyRange(c, s, it->first, it->first, 1, false, nullptr, true) == 0) {
      c.reply.Array(2);
      ReplyId(c, it->first);
      c.reply.NullArray();
    } else {
      it->second->delivery_time = c.now_ms;
      it->second->delivery_count++;
    }
    n++;
  }
  c.reply.EndDeferredArray(handle, n);
  return n;
}

void ReplyHelp(CommandContext& c, const char* name, const char* const* lines, size_t n) {
  c.reply.Array(n + 3);
  c.reply.Simple(std::string(name) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (size_t i = 0; i < n; i++) c.reply.Simple(lines[i]);
  c.reply.Simple("HELP");
  c.reply.Simple("    Prints this help.");
}

void SubcommandSyntaxError(CommandContext& c, const char* container) {
  std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
  msg.append(CStr(c.arg(1)).substr(0, 128));
  msg += "'. Try ";
  msg += container;
  msg += " HELP.";
  c.reply.Error(msg);
}

// ---------------------------------------------------------------------------
// Key lookups

StreamValue* AsStream(Entry* e) { return e ? e->as<StreamValue>() : nullptr; }

// A new empty stream under key (dbAdd).
StreamValue* CreateStream(CommandContext& c, std::string_view key) {
  auto owned = std::make_unique<StreamValue>();
  StreamValue* s = owned.get();
  c.db->Add(NewCollectionEntry(key, KeyHash(key), kStream, kEncStream, std::move(owned)));  // raises "new"
  return s;
}

// ---------------------------------------------------------------------------
// XADD / XTRIM

struct AddTrimArgs {
  StreamValue::Trim trim;
  int threshold_arg = -1;  // the MAXLEN/MINID threshold's index
  bool no_mkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamId id;
};

// streamParseAddOrTrimArgsOrReply: returns the index of the id for XADD (the
// last option parsed for XTRIM), or -1 after replying an error.
int ParseAddTrimArgs(CommandContext& c, bool xadd, AddTrimArgs* a) {
  StreamValue::Trim& t = a->trim;
  bool limit_given = false;
  int i = 2;
  for (; i < c.argc; i++) {
    const int more = c.argc - 1 - i;
    std::string_view opt = c.arg(i);
    if (xadd && !opt.empty() && opt[0] == '*' && (opt.size() == 1 || opt[1] == '\0')) break;
    const bool maxlen = c.Is(i, "maxlen");
    if ((maxlen || c.Is(i, "minid")) && more) {
      if (t.strategy != StreamValue::Trim::kNone) {
        c.reply.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      t.approx = false;
      std::string_view next = c.arg(i + 1);
      if (more >= 2 && next == "~") {
        t.approx = true;
        i++;
      } else if (more >= 2 && next == "=") {
        i++;
      }
      a->threshold_arg = i + 1;
      if (maxlen) {
        long long v;
        if (!ParseLongLong(c, i + 1, &v)) return -1;
        if (v < 0) {
          c.reply.Error("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
        t.maxlen = static_cast<uint64_t>(v);
        t.strategy = StreamValue::Trim::kMaxLen;
      } else {
        if (!ParseId(c, i + 1, true, 0, &t.minid)) return -1;
        t.strategy = StreamValue::Trim::kMinId;
      }
      i++;
    } else if (c.Is(i, "limit") && more) {
      long long v;
      if (!ParseLongLong(c, i + 1, &v)) return -1;
      if (v < 0) {
        c.reply.Error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      t.limit = v;
      limit_given = true;
      i++;
    } else if (xadd && c.Is(i, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd) {
      if (!StreamId::Parse(opt, true, 0, &a->id, true, &a->seq_given)) {
        c.reply.Error(kInvalidId);
        return -1;
      }
      a->id_given = true;
      break;
    } else {
      c.SyntaxError();
      return -1;
    }
  }
  if (t.limit && t.strategy == StreamValue::Trim::kNone) {
    c.reply.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && t.strategy == StreamValue::Trim::kNone) {
    c.reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (c.client.obey) {
    // The AOF (later a master) sends trims rewritten as exact ones, LIMIT kept: no limit applies.
    t.limit = 0;
  } else if (limit_given) {
    if (!t.approx) {
      c.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (t.approx) {
    // Approximate trimming without LIMIT does a bounded amount of work.
    int64_t entries = c.server.settings().stream_node_max_entries;
    t.limit = entries > INT64_MAX / 100 ? INT64_MAX : 100 * entries;
    if (t.limit <= 0) t.limit = 10000;
    if (t.limit > 1000000) t.limit = 1000000;
  } else {
    t.limit = 0;
  }
  return i;
}

// The argument vector with an approximate trim written as the exact one it
// amounted to (streamRewriteApproxSpecifier + streamRewriteTrimArgument): "~"
// becomes "=" and the threshold the stream's length, or its first id
// (deleted entries included; the maximal id when it has none).
void RewriteApproxTrim(const StreamValue& s, const AddTrimArgs& a, std::vector<std::string>* argv) {
  (*argv)[a.threshold_arg - 1] = "=";
  if (a.trim.strategy == StreamValue::Trim::kMaxLen) {
    (*argv)[a.threshold_arg] = std::to_string(s.length());
  } else {
    StreamId first = StreamId::Max();
    if (!s.nodes().empty()) {
      const auto& [master_id, lp] = *s.nodes().begin();
      const stream_node::Master m = stream_node::ReadMaster(lp);
      if (m.first_entry != Listpack::npos) first = stream_node::ReadEntry(lp, m, master_id, m.first_entry).id;
    }
    (*argv)[a.threshold_arg] = first.ToString();
  }
}

std::vector<std::string> ArgvCopy(const CommandContext& c) {
  std::vector<std::string> argv;
  argv.reserve(static_cast<size_t>(c.argc));
  for (int i = 0; i < c.argc; i++) argv.emplace_back(c.arg(i));
  return argv;
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
void XaddCommand(CommandContext& c) {
  AddTrimArgs a;
  const int idpos = ParseAddTrimArgs(c, true, &a);
  if (idpos < 0) return;
  const int field_pos = idpos + 1;
  const int nfv = c.argc - field_pos;
  if (nfv < 2 || nfv % 2 == 1) {
    c.ArityError();
    return;
  }
  // 0-0 is never valid: refuse it before creating the key.
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    c.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kStream, &e)) return;
  StreamValue* s = AsStream(e);
  if (!s) {
    if (a.no_mkstream) {
      c.reply.Null();
      return;
    }
    s = CreateStream(c, key);
  }
  if (s->last_id().IsMax()) {
    c.reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  StreamId id;
  switch (s->Add(a.id_given ? &a.id : nullptr, a.seq_given, c.now_ms, c.argv + field_pos,
                 static_cast<size_t>(nfv / 2), StreamLimits(c), &id)) {
    case StreamValue::AddResult::kOk:
      break;
    case StreamValue::AddResult::kIdTooSmall:
      c.reply.Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
      return;
    case StreamValue::AddResult::kTooLarge:
    case StreamValue::AddResult::kSeqExhausted:
      // 7.0 reports an exhausted "<ms>-*" sequence with this message too.
      c.reply.Error("ERR Elements are too large to be stored");
      return;
  }
  ReplyId(c, id);
  c.KeyModified(key);
  c.Notify(kNotifyStream, "xadd", key);
  c.Dirty();
  if (a.trim.strategy != StreamValue::Trim::kNone && s->TrimEntries(a.trim)) {
    c.Notify(kNotifyStream, "xtrim", key);
  }
  // Propagated with the id it got and the trim it did.
  if (c.propagating() && (!a.id_given || !a.seq_given || a.trim.approx)) {
    std::vector<std::string> argv = ArgvCopy(c);
    if (!a.id_given || !a.seq_given) argv[idpos] = id.ToString();
    if (a.trim.approx) RewriteApproxTrim(*s, a, &argv);
    c.PropagateAs(std::move(argv));
  }
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XtrimCommand(CommandContext& c) {
  AddTrimArgs a;
  if (ParseAddTrimArgs(c, false, &a) < 0) return;
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kStream, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  StreamValue* s = AsStream(e);
  const int64_t deleted = s->TrimEntries(a.trim);
  if (deleted) {
    c.Notify(kNotifyStream, "xtrim", key);
    c.KeyModified(key);
    c.Dirty(static_cast<uint64_t>(deleted));
    if (a.trim.approx && c.propagating()) {
      std::vector<std::string> argv = ArgvCopy(c);
      RewriteApproxTrim(*s, a, &argv);
      c.PropagateAs(std::move(argv));
    }
  }
  c.reply.Int(deleted);
}

// ---------------------------------------------------------------------------
// XLEN / XRANGE / XREVRANGE / XDEL

void XlenCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kStream, &e)) return;
  c.reply.Int(e ? static_cast<long long>(AsStream(e)->length()) : 0);
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
void RangeGeneric(CommandContext& c, bool rev) {
  StreamId start, end;
  if (!ParseRange(c, rev ? 3 : 2, rev ? 2 : 3, &start, &end)) return;
  long long count = -1;
  for (int j = 4; j < c.argc; j++) {
    if (c.Is(j, "count") && j + 1 < c.argc) {
      if (!ParseLongLong(c, j + 1, &count)) return;
      if (count < 0) count = 0;
      j++;
    } else {
      c.SyntaxError();
      return;
    }
  }
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kStream, &e)) return;
  if (!e) {
    c.reply.Array(0);
    return;
  }
  if (count == 0) {
    c.reply.NullArray();
    return;
  }
  ReplyRange(c, AsStream(e), start, end, count == -1 ? 0 : static_cast<size_t>(count), rev);
}

void XrangeCommand(CommandContext& c) { RangeGeneric(c, false); }
void XrevrangeCommand(CommandContext& c) { RangeGeneric(c, true); }

// XDEL key id [id ...]
void XdelCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kStream, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  // All ids are checked before anything is deleted.
  std::vector<StreamId> ids(static_cast<size_t>(c.argc - 2));
  for (int j = 2; j < c.argc; j++) {
    if (!ParseId(c, j, true, 0, &ids[j - 2])) return;
  }
  StreamValue* s = AsStream(e);
  long long deleted = 0;
  bool first_deleted = false;
  StreamId max_deleted = s->max_deleted_entry_id();
  for (const StreamId& id : ids) {
    if (!s->DeleteEntry(id)) continue;
    if (id == s->first_id()) first_deleted = true;
    if (id > max_deleted) max_deleted = id;
    deleted++;
  }
  if (deleted) {
    s->NoteDeleted(max_deleted, first_deleted);
    c.KeyModified(key);
    c.Notify(kNotifyStream, "xdel", key);
    c.Dirty(static_cast<uint64_t>(deleted));
  }
  c.reply.Int(deleted);
}

// ---------------------------------------------------------------------------
// XREAD / XREADGROUP

struct ReadArgs {
  bool group_mode = false;   // XREADGROUP
  int64_t timeout_at = -1;   // -1: no BLOCK; 0: forever; else absolute unix ms
  long long count = 0;
  bool noack = false;
  int streams_arg = 0;
  int nstreams = 0;
  std::string_view group;
  std::string_view consumer;
};

// Redis's getTimeoutFromObjectOrReply in milliseconds.
bool ParseBlockMs(CommandContext& c, int i, int64_t* at) {
  long long ms;
  if (!ParseLongLong(c, i, &ms, "ERR timeout is not an integer or out of range")) return false;
  if (ms < 0) {
    c.reply.Error("ERR timeout is negative");
    return false;
  }
  if (ms > 0) ms = ms > LLONG_MAX - c.now_ms ? 1 : ms + c.now_ms;  // past the end of time: already due
  *at = ms;
  return true;
}

bool ParseReadArgs(CommandContext& c, ReadArgs* a) {
  a->group_mode = c.arg(0).size() == 10;
  for (int i = 1; i < c.argc; i++) {
    const int more = c.argc - i - 1;
    if (c.Is(i, "block") && more) {
      if (c.client.lua) {
        // Refused before the timeout is parsed; the name as the script spelled it.
        std::string msg = "ERR ";
        msg.append(c.arg(0));
        msg.append(" command is not allowed with BLOCK option from scripts");
        c.reply.Error(msg);
        return false;
      }
      i++;
      if (!ParseBlockMs(c, i, &a->timeout_at)) return false;
    } else if (c.Is(i, "count") && more) {
      i++;
      if (!ParseLongLong(c, i, &a->count)) return false;
      if (a->count < 0) a->count = 0;
    } else if (c.Is(i, "streams") && more) {
      a->streams_arg = i + 1;
      a->nstreams = c.argc - a->streams_arg;
      if (a->nstreams % 2 != 0) {
        c.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return false;
      }
      a->nstreams /= 2;
      break;
    } else if (c.Is(i, "group") && more >= 2) {
      if (!a->group_mode) {
        c.reply.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->group = c.arg(i + 1);
      a->consumer = c.arg(i + 2);
      i += 2;
    } else if (c.Is(i, "noack")) {
      if (!a->group_mode) {
        c.reply.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->noack = true;
    } else {
      c.SyntaxError();
      return false;
    }
  }
  if (a->streams_arg == 0) {
    c.SyntaxError();
    return false;
  }
  if (a->group_mode && a->group.data() == nullptr) {
    c.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// The consumer XREADGROUP reads as: found (seen now) or created. A creation
// is propagated only when asked (XREADGROUP NOACK: no XCLAIM will create it).
StreamConsumer* LookupOrCreateConsumer(CommandContext& c, StreamGroup* g, std::string_view name,
                                       std::string_view key, std::string_view group_name = {},
                                       bool propagate_creation = false) {
  StreamConsumer* consumer = g->FindConsumer(name);
  if (consumer) {
    consumer->seen_time = c.now_ms;
    return consumer;
  }
  consumer = g->CreateConsumer(name, c.now_ms);
  c.Dirty();
  c.Notify(kNotifyStream, "xgroup-createconsumer", key);
  if (propagate_creation && c.propagating()) {
    c.AlsoPropagate({"XGROUP", "CREATECONSUMER", std::string(key), std::string(group_name), std::string(name)});
  }
  return consumer;
}

// A parked XREAD/XREADGROUP run again because `ready_key` changed: serve it
// from that key alone, fail it, or leave it blocked.
void ServeBlockedRead(CommandContext& c, const ReadArgs& a) {
  const std::string_view ready = c.client.block.ready_key;
  int idx = -1;
  for (int i = 0; i < a.nstreams; i++) {
    if (c.arg(a.streams_arg + i) == ready) {
      idx = i;
      break;
    }
  }
  const std::string_view* keys = c.argv + a.streams_arg;
  auto stay_blocked = [&] { c.Block(keys, a.nstreams, c.client.block.timeout_at_ms); };
  if (idx < 0) return stay_blocked();
  std::string_view key = keys[idx];
  Entry* e = c.db->Lookup(key, c.now_ms);
  StreamValue* s = e && e->type == kStream ? AsStream(e) : nullptr;
  StreamId gt;
  StreamGroup* g = nullptr;
  if (a.group_mode) {
    if (!s) {
      c.reply.Error("UNBLOCKED the stream key no longer exists");
      return;
    }
    g = s->FindGroup(a.group);
    if (!g) {
      c.reply.Error("NOGROUP the consumer group this client was blocked on no longer exists");
      return;
    }
    gt = g->last_id;
  } else {
    if (!s) return stay_blocked();
    StreamId::Parse(c.arg(a.streams_arg + a.nstreams + idx), true, 0, &gt);
  }
  if (s->last_id() <= gt) return stay_blocked();
  StreamId start = gt;
  start.Incr();
  Delivery d;
  if (g) {
    d.group = g;
    d.key = key;
    d.group_name = a.group;
    d.noack = a.noack;
    d.consumer = LookupOrCreateConsumer(c, g, a.consumer, key, a.group, a.noack);
  }
  if (c.reply.resp() == 2) {
    c.reply.Array(1);
    c.reply.Array(2);
  } else {
    c.reply.Map(1);
  }
  c.reply.Bulk(key);
  const long long count = a.count ? a.count : kBlockedDefaultCount;
  ReplyRange(c, s, start, StreamId::Max(), static_cast<size_t>(count), false, g ? &d : nullptr);
}

// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id|> [id|> ...]
void ReadGeneric(CommandContext& c) {
  ReadArgs a;
  if (!ParseReadArgs(c, &a)) return;
  // XREADGROUP is propagated as what it did to the group (see the file comment).
  if (a.group_mode) c.PreventPropagation();
  if (IsRetry(c)) return ServeBlockedRead(c, a);

  const int n = a.nstreams;
  std::vector<StreamId> ids(static_cast<size_t>(n));
  std::vector<StreamGroup*> groups(a.group_mode ? n : 0);
  std::vector<std::pair<int, std::string>> resolved;  // `$` -> the id it stood for
  for (int k = 0; k < n; k++) {
    const int id_arg = a.streams_arg + n + k;
    std::string_view key = c.arg(a.streams_arg + k);
    Entry* e = c.ReadKey(key);
    if (e && e->type != kStream) return c.WrongType();
    StreamValue* s = AsStream(e);
    if (a.group_mode) {
      StreamGroup* g = s ? s->FindGroup(a.group) : nullptr;
      if (!g) {
        std::string msg = "NOGROUP No such key '";
        msg.append(CStr(key));
        msg += "' or consumer group '";
        msg.append(CStr(a.group));
        msg += "' in XREADGROUP with GROUP option";
        c.reply.Error(msg);
        return;
      }
      groups[k] = g;
    }
    std::string_view idstr = c.arg(id_arg);
    if (idstr == "$") {
      if (a.group_mode) {
        c.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this "
            "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return "
            "an empty result set.");
        return;
      }
      ids[k] = s ? s->last_id() : StreamId();
      resolved.emplace_back(id_arg, ids[k].ToString());
      continue;
    }
    if (idstr == ">") {
      if (!a.group_mode) {
        c.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
            "option.");
        return;
      }
      ids[k] = StreamId::Max();  // stands for ">": resolved against the group below
      continue;
    }
    if (!ParseId(c, id_arg, true, 0, &ids[k])) return;
  }

  // Serve what can be served now.
  size_t served = 0;
  size_t handle = 0;
  for (int k = 0; k < n; k++) {
    std::string_view key = c.arg(a.streams_arg + k);
    Entry* e = c.db->Lookup(key, c.now_ms);
    if (!e) continue;
    StreamValue* s = AsStream(e);
    StreamId gt = ids[k];
    bool serve = false, history = false;
    Delivery d;
    if (a.group_mode) {
      StreamGroup* g = groups[k];
      if (!gt.IsMax()) {
        serve = history = true;
      } else if (s->length()) {
        StreamId maxid;
        if (s->LastValidId(&maxid) && maxid > g->last_id) {
          serve = true;
          gt = g->last_id;
        }
      }
      d.group = g;
      d.noack = a.noack;
      d.key = key;
      d.group_name = a.group;
    } else if (s->length()) {
      StreamId maxid;
      if (s->LastValidId(&maxid) && maxid > gt) serve = true;
    }
    if (!serve) continue;
    // Redis 7.0 looks the consumer up (creating it) only for a stream it serves.
    if (a.group_mode) d.consumer = LookupOrCreateConsumer(c, d.group, a.consumer, key, a.group, a.noack);
    if (++served == 1) handle = c.reply.BeginDeferredArray();
    StreamId start = gt;
    start.Incr();
    if (c.reply.resp() == 2) c.reply.Array(2);
    c.reply.Bulk(key);
    if (history) {
      ReplyConsumerHistory(c, s, d.consumer, start, static_cast<size_t>(a.count));
    } else {
      ReplyRange(c, s, start, StreamId::Max(), static_cast<size_t>(a.count), false, a.group_mode ? &d : nullptr);
    }
  }
  if (served) {
    c.reply.EndDeferredArray(handle, served, c.reply.resp() == 2 ? '*' : '%');
    return;
  }
  if (a.timeout_at != -1 && !c.client.in_exec) {
    c.Block(c.argv + a.streams_arg, n, a.timeout_at);
    c.client.block.arg_rewrites = std::move(resolved);
    return;
  }
  c.reply.NullArray();
}

// ---------------------------------------------------------------------------
// XGROUP

// Group and consumer names in NOGROUP errors end at a NUL, as %s does.
void NoGroupForKey(CommandContext& c, std::string_view group, std::string_view key) {
  std::string msg = "NOGROUP No such consumer group '";
  msg.append(CStr(group));
  msg += "' for key name '";
  msg.append(CStr(key));
  msg += "'";
  c.reply.Error(msg);
}

void XgroupHelp(CommandContext& c) {
  static const char* const kLines[] = {
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
  };
  ReplyHelp(c, "XGROUP", kLines, sizeof kLines / sizeof kLines[0]);
}

bool ParseEntriesRead(CommandContext& c, int i, long long* out) {
  if (!ParseLongLong(c, i, out)) return false;
  if (*out < 0 && *out != StreamGroup::kInvalidEntriesRead) {
    c.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
    return false;
  }
  return true;
}

// xgroupCommand: every subcommand but HELP shares the option parsing and the key/group checks.
void XgroupCommand(CommandContext& c) {
  const bool create = c.Is(1, "create");
  bool mkstream = false;
  long long entries_read = StreamGroup::kInvalidEntriesRead;
  StreamValue* s = nullptr;
  StreamGroup* g = nullptr;
  std::string_view key = c.argc >= 3 ? c.arg(2) : std::string_view();
  std::string_view name = c.argc >= 4 ? c.arg(3) : std::string_view();
  if (c.argc >= 4) {
    if (create && c.argc >= 5) {
      for (int i = 5; i < c.argc;) {
        if (c.Is(i, "mkstream")) {
          mkstream = true;
          i++;
        } else if (c.Is(i, "entriesread") && i + 1 < c.argc) {
          if (!ParseEntriesRead(c, i + 1, &entries_read)) return;
          i += 2;
        } else {
          return SubcommandSyntaxError(c, "XGROUP");
        }
      }
    }
    Entry* e;
    if (!c.WriteKeyOfType(key, kStream, &e)) return;
    s = AsStream(e);
    if (!mkstream) {
      if (!s) {
        c.reply.Error(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
            "MKSTREAM option to create an empty stream automatically.");
        return;
      }
      g = s->FindGroup(name);
      if (!g && (c.Is(1, "setid") || c.Is(1, "createconsumer") || c.Is(1, "delconsumer"))) {
        return NoGroupForKey(c, name, key);
      }
    }
  }

  if (c.argc == 2 && c.Is(1, "help")) return XgroupHelp(c);
  if (create && c.argc >= 5 && c.argc <= 8) {
    StreamId id;
    if (c.arg(4) == "$") {
      id = s ? s->last_id() : StreamId();
    } else if (!ParseId(c, 4, true, 0, &id)) {
      return;
    }
    if (!s) {
      s = CreateStream(c, key);
      c.KeyModified(key);
    }
    if (!s->CreateGroup(name, id, entries_read)) {
      c.reply.Error("BUSYGROUP Consumer Group name already exists");
      return;
    }
    c.reply.Ok();
    c.Dirty();
    c.Notify(kNotifyStream, "xgroup-create", key);
  } else if (c.Is(1, "setid") && (c.argc == 5 || c.argc == 7)) {
    StreamId id;
    if (c.arg(4) == "$") {
      id = s->last_id();
    } else if (!ParseId(c, 4, false, 0, &id)) {
      return;
    }
    if (c.argc == 7) {
      if (!c.Is(5, "entriesread")) return SubcommandSyntaxError(c, "XGROUP");
      if (!ParseEntriesRead(c, 6, &entries_read)) return;
    }
    g->last_id = id;
    g->entries_read = entries_read;
    c.reply.Ok();
    c.Dirty();
    c.Notify(kNotifyStream, "xgroup-setid", key);
  } else if (c.Is(1, "destroy") && c.argc == 4) {
    if (!g) {
      c.reply.Int(0);
      return;
    }
    s->DestroyGroup(name);
    c.reply.Int(1);
    c.Dirty();
    c.Notify(kNotifyStream, "xgroup-destroy", key);
    // Clients blocked in XREADGROUP on this group fail with NOGROUP.
    c.server.SignalKeyReady(c.db->id(), key);
  } else if (c.Is(1, "createconsumer") && c.argc == 5) {
    StreamConsumer* created = g->CreateConsumer(c.arg(4), c.now_ms);
    if (created) {
      c.Dirty();
      c.Notify(kNotifyStream, "xgroup-createconsumer", key);
    }
    c.reply.Int(created ? 1 : 0);
  } else if (c.Is(1, "delconsumer") && c.argc == 5) {
    long long pending = 0;
    if (StreamConsumer* consumer = g->FindConsumer(c.arg(4))) {
      pending = static_cast<long long>(consumer->pel.size());
      g->DeleteConsumer(consumer);
      c.Dirty();
      c.Notify(kNotifyStream, "xgroup-delconsumer", key);
    }
    c.reply.Int(pending);
  } else {
    SubcommandSyntaxError(c, "XGROUP");
  }
}

// ---------------------------------------------------------------------------
// XACK / XPENDING / XCLAIM / XAUTOCLAIM

// The stream and group a PEL command works on; nullptr group when either is missing.
bool LookupGroup(CommandContext& c, StreamValue** s, StreamGroup** g) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kStream, &e)) return false;
  *s = AsStream(e);
  *g = *s ? (*s)->FindGroup(c.arg(2)) : nullptr;
  return true;
}

void NoSuchKeyOrGroup(CommandContext& c) {
  std::string msg = "NOGROUP No such key '";
  msg.append(CStr(c.arg(1)));
  msg += "' or consumer group '";
  msg.append(CStr(c.arg(2)));
  msg += "'";
  c.reply.Error(msg);
}

// XACK key group id [id ...]
void XackCommand(CommandContext& c) {
  StreamValue* s;
  StreamGroup* g;
  if (!LookupGroup(c, &s, &g)) return;
  if (!g) {
    c.reply.Int(0);
    return;
  }
  std::vector<StreamId> ids(static_cast<size_t>(c.argc - 3));
  for (int j = 3; j < c.argc; j++) {
    if (!ParseId(c, j, true, 0, &ids[j - 3])) return;
  }
  long long acked = 0;
  for (const StreamId& id : ids) {
    if (g->Acknowledge(id)) {
      acked++;
      c.Dirty();
    }
  }
  c.reply.Int(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void XpendingCommand(CommandContext& c) {
  const bool summary = c.argc == 3;
  if (c.argc != 3 && (c.argc < 6 || c.argc > 9)) return c.SyntaxError();
  StreamId start, end;
  long long count = 0, minidle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (c.argc >= 6) {
    int i = 3;
    if (c.Is(3, "idle")) {
      if (!ParseLongLong(c, 4, &minidle)) return;
      if (c.argc < 8) return c.SyntaxError();
      i += 2;
    }
    if (!ParseLongLong(c, i + 2, &count)) return;
    if (count < 0) count = 0;
    if (!ParseRange(c, i, i + 1, &start, &end)) return;
    if (i + 3 < c.argc) {
      consumer_name = c.arg(i + 3);
      has_consumer = true;
    }
  }
  StreamValue* s;
  StreamGroup* g;
  if (!LookupGroup(c, &s, &g)) return;
  if (!g) return NoSuchKeyOrGroup(c);

  if (summary) {
    c.reply.Array(4);
    c.reply.Int(static_cast<long long>(g->pel.size()));
    if (g->pel.empty()) {
      c.reply.Null();
      c.reply.Null();
      c.reply.NullArray();
      return;
    }
    ReplyId(c, g->pel.begin()->first);
    ReplyId(c, g->pel.rbegin()->first);
    size_t handle = c.reply.BeginDeferredArray();
    size_t n = 0;
    for (const auto& [name, consumer] : g->consumers) {
      if (consumer->pel.empty()) continue;
      c.reply.Array(2);
      c.reply.Bulk(name);
      c.reply.BulkInt(static_cast<long long>(consumer->pel.size()));
      n++;
    }
    c.reply.EndDeferredArray(handle, n);
    return;
  }

  StreamConsumer* consumer = nullptr;
  if (has_consumer) {
    consumer = g->FindConsumer(consumer_name);
    if (!consumer) {
      c.reply.Array(0);
      return;
    }
  }
  const int64_t now = c.now_ms;
  size_t handle = c.reply.BeginDeferredArray();
  size_t n = 0;
  auto emit = [&](const StreamId& id, const StreamNack& nack) {
    if (minidle && now - nack.delivery_time < minidle) return;
    n++;
    count--;
    c.reply.Array(4);
    ReplyId(c, id);
    c.reply.Bulk(nack.consumer->name);
    const int64_t elapsed = now - nack.delivery_time;
    c.reply.Int(elapsed < 0 ? 0 : elapsed);
    c.reply.Int(static_cast<long long>(nack.delivery_count));
  };
  if (consumer) {
    for (auto it = consumer->pel.lower_bound(start); count && it != consumer->pel.end() && it->first <= end; ++it) {
      emit(it->first, *it->second);
    }
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end; ++it) {
      emit(it->first, it->second);
    }
  }
  c.reply.EndDeferredArray(handle, n);
}

// The consumer XCLAIM/XAUTOCLAIM claim for, looked up (and created) on first use.
StreamConsumer* ClaimingConsumer(CommandContext& c, StreamGroup* g, StreamConsumer** cache) {
  if (!*cache) *cache = LookupOrCreateConsumer(c, g, c.arg(3), c.arg(1));
  return *cache;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
//        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void XclaimCommand(CommandContext& c) {
  StreamValue* s;
  StreamGroup* g;
  if (!LookupGroup(c, &s, &g)) return;
  if (!g) return NoSuchKeyOrGroup(c);
  long long minidle;
  if (!ParseLongLong(c, 4, &minidle, "ERR Invalid min-idle-time argument for XCLAIM")) return;
  if (minidle < 0) minidle = 0;

  // The ids run up to the first argument that is not one; options follow.
  int j = 5;
  std::vector<StreamId> ids;
  for (StreamId id; j < c.argc && StreamId::Parse(c.arg(j), true, 0, &id); j++) ids.push_back(id);

  const int64_t now = c.now_ms;
  long long retrycount = -1;
  long long deliverytime = -1;
  bool force = false, justid = false;
  StreamId last_id;
  for (; j < c.argc; j++) {
    const int more = c.argc - 1 - j;
    if (c.Is(j, "force")) {
      force = true;
    } else if (c.Is(j, "justid")) {
      justid = true;
    } else if (c.Is(j, "idle") && more) {
      j++;
      if (!ParseLongLong(c, j, &deliverytime, "ERR Invalid IDLE option argument for XCLAIM")) return;
      deliverytime = now - deliverytime;
    } else if (c.Is(j, "time") && more) {
      j++;
      if (!ParseLongLong(c, j, &deliverytime, "ERR Invalid TIME option argument for XCLAIM")) return;
    } else if (c.Is(j, "retrycount") && more) {
      j++;
      if (!ParseLongLong(c, j, &retrycount, "ERR Invalid RETRYCOUNT option argument for XCLAIM")) return;
    } else if (c.Is(j, "lastid") && more) {
      j++;
      if (!ParseId(c, j, true, 0, &last_id)) return;
    } else {
      std::string msg = "ERR Unrecognized XCLAIM option '";
      msg.append(CStr(c.arg(j)));
      msg += "'";
      c.reply.Error(msg);
      return;
    }
  }
  // Propagated as XCLAIMs of what it claimed or dropped, else as the group's new last id.
  c.PreventPropagation();
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  // A delivery time in the future or before the epoch becomes now.
  if (deliverytime == -1 || deliverytime < 0 || deliverytime > now) deliverytime = now;

  StreamConsumer* consumer = nullptr;
  size_t handle = c.reply.BeginDeferredArray();
  size_t n = 0;
  for (const StreamId& id : ids) {
    auto pit = g->pel.find(id);
    StreamNack* nack = pit == g->pel.end() ? nullptr : &pit->second;
    // An entry deleted from the stream leaves the PEL instead of being claimed.
    if (!s->EntryExists(id)) {
      if (nack) {
        PropagateClaim(c, c.arg(1), c.arg(2), *g, id, *nack);
        propagate_last_id = false;
        g->Acknowledge(id);
        c.Dirty();
      }
      continue;
    }
    // FORCE makes a NACK as a first delivery would (streamCreateNACK: now, count 1).
    if (force && !nack) nack = g->AddPendingUnowned(id, now, 1);
    if (!nack) continue;
    // A NACK just made by FORCE has no owner and ignores min-idle-time.
    if (nack->consumer && minidle && now - nack->delivery_time < minidle) continue;
    ClaimingConsumer(c, g, &consumer);
    nack->delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack->delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      nack->delivery_count++;
    }
    g->Transfer(id, nack, consumer);
    PropagateClaim(c, c.arg(1), c.arg(2), *g, id, *nack);
    propagate_last_id = false;
    if (justid) {
      ReplyId(c, id);
    } else {
      ReplyRange(c, s, id, id, 1, false, nullptr, true);
    }
    n++;
    c.Dirty();
  }
  if (propagate_last_id) {
    PropagateGroupId(c, c.arg(1), c.arg(2), *g);
    c.Dirty();
  }
  c.reply.EndDeferredArray(handle, n);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XautoclaimCommand(CommandContext& c) {
  constexpr long kAttemptsFactor = 10;
  long long minidle;
  if (!ParseLongLong(c, 4, &minidle, "ERR Invalid min-idle-time argument for XAUTOCLAIM")) return;
  if (minidle < 0) minidle = 0;
  StreamId start;
  bool ex;
  if (!ParseIntervalId(c, 5, 0, &start, &ex)) return;
  if (ex && !start.Incr()) {
    c.reply.Error("ERR invalid start ID for the interval");
    return;
  }
  long count = 100;
  bool justid = false;
  for (int j = 6; j < c.argc; j++) {
    const int more = c.argc - 1 - j;
    if (c.Is(j, "count") && more) {
      const long max_count = LONG_MAX / static_cast<long>(std::max<size_t>(sizeof(StreamId), kAttemptsFactor));
      int64_t v;
      if (!String2ll(c.arg(j + 1), &v) || v < 1 || v > max_count) {
        c.reply.Error("ERR COUNT must be > 0");
        return;
      }
      count = static_cast<long>(v);
      j++;
    } else if (c.Is(j, "justid")) {
      justid = true;
    } else {
      return c.SyntaxError();
    }
  }
  StreamValue* s;
  StreamGroup* g;
  if (!LookupGroup(c, &s, &g)) return;
  if (!g) return NoSuchKeyOrGroup(c);

  c.PreventPropagation();  // propagated as XCLAIMs of what it claimed or dropped
  long attempts = count * kAttemptsFactor;
  const int64_t now = c.now_ms;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> deleted;
  c.reply.Array(3);
  // The cursor goes first: it is known only at the end.
  size_t cursor_handle = c.reply.BeginDeferredArray();
  size_t n = 0;
  auto it = g->pel.lower_bound(start);
  while (attempts-- && count && it != g->pel.end()) {
    const StreamId id = it->first;
    StreamNack* nack = &it->second;
    if (!s->EntryExists(id)) {
      ++it;
      PropagateClaim(c, c.arg(1), c.arg(2), *g, id, *nack);
      g->Acknowledge(id);
      c.Dirty();
      deleted.push_back(id);
      count--;
      continue;
    }
    ++it;
    if (minidle && now - nack->delivery_time < minidle) continue;
    ClaimingConsumer(c, g, &consumer);
    nack->delivery_time = now;
    if (!justid) nack->delivery_count++;
    g->Transfer(id, nack, consumer);
    PropagateClaim(c, c.arg(1), c.arg(2), *g, id, *nack);
    if (justid) {
      ReplyId(c, id);
    } else {
      ReplyRange(c, s, id, id, 1, false, nullptr, true);
    }
    n++;
    count--;
    c.Dirty();
  }
  // Claimed entries were written after the cursor's place: put the header, then the cursor, before them.
  const StreamId next = it == g->pel.end() ? StreamId() : it->first;
  c.reply.EndDeferredArray(cursor_handle, n);
  {
    // Insert the cursor bulk in front of the array just closed.
    ByteBuffer* out = c.reply.buffer();
    char idbuf[StreamId::kMaxChars];
    const size_t idlen = next.Format(idbuf);
    std::string bulk = "$" + std::to_string(idlen) + "\r\n" + std::string(idbuf, idlen) + "\r\n";
    const size_t body = out->size() - cursor_handle;
    out->Reserve(bulk.size());
    char* base = out->data() + cursor_handle;
    memmove(base + bulk.size(), base, body);
    memcpy(base, bulk.data(), bulk.size());
    out->Advance(bulk.size());
  }
  c.reply.Array(deleted.size());
  for (const StreamId& id : deleted) ReplyId(c, id);
}

// ---------------------------------------------------------------------------
// XINFO

void ReplyLag(CommandContext& c, const StreamValue& s, const StreamGroup& g) {
  int64_t lag;
  if (s.GroupLag(g, &lag)) {
    c.reply.Int(lag);
  } else {
    c.reply.Null();
  }
}

void ReplyEntriesRead(CommandContext& c, const StreamGroup& g) {
  if (g.entries_read != StreamGroup::kInvalidEntriesRead) {
    c.reply.Int(g.entries_read);
  } else {
    c.reply.Null();
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void XinfoStream(CommandContext& c, StreamValue* s) {
  bool full = true;
  long long count = 10;
  const int extra = c.argc - 3;
  if (extra == 0) {
    full = false;
  } else if (extra == 1 || extra == 3) {
    if (!c.Is(3, "full")) return SubcommandSyntaxError(c, "XINFO");
    if (extra == 3) {
      if (!c.Is(4, "count")) return SubcommandSyntaxError(c, "XINFO");
      if (!ParseLongLong(c, 5, &count)) return;
      if (count < 0) count = 10;
    }
  } else {
    return SubcommandSyntaxError(c, "XINFO");
  }
  c.reply.Map(full ? 9 : 10);
  c.reply.Bulk("length");
  c.reply.Int(static_cast<long long>(s->length()));
  c.reply.Bulk("radix-tree-keys");
  c.reply.Int(static_cast<long long>(s->nodes().size()));
  c.reply.Bulk("radix-tree-nodes");
  c.reply.Int(static_cast<long long>(s->RadixTreeNodes()));
  c.reply.Bulk("last-generated-id");
  ReplyId(c, s->last_id());
  c.reply.Bulk("max-deleted-entry-id");
  ReplyId(c, s->max_deleted_entry_id());
  c.reply.Bulk("entries-added");
  c.reply.Int(static_cast<long long>(s->entries_added()));
  c.reply.Bulk("recorded-first-entry-id");
  ReplyId(c, s->first_id());
  if (!full) {
    c.reply.Bulk("groups");
    c.reply.Int(static_cast<long long>(s->groups().size()));
    c.reply.Bulk("first-entry");
    if (!ReplyRange(c, s, StreamId::Min(), StreamId::Max(), 1, false, nullptr, true)) c.reply.Null();
    c.reply.Bulk("last-entry");
    if (!ReplyRange(c, s, StreamId::Min(), StreamId::Max(), 1, true, nullptr, true)) c.reply.Null();
    return;
  }
  const size_t limit = static_cast<size_t>(count);
  c.reply.Bulk("entries");
  ReplyRange(c, s, StreamId::Min(), StreamId::Max(), limit, false);
  c.reply.Bulk("groups");
  c.reply.Array(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    c.reply.Map(7);
    c.reply.Bulk("name");
    c.reply.Bulk(name);
    c.reply.Bulk("last-delivered-id");
    ReplyId(c, g->last_id);
    c.reply.Bulk("entries-read");
    ReplyEntriesRead(c, *g);
    c.reply.Bulk("lag");
    ReplyLag(c, *s, *g);
    c.reply.Bulk("pel-count");
    c.reply.Int(static_cast<long long>(g->pel.size()));
    c.reply.Bulk("pending");
    size_t n = limit && limit < g->pel.size() ? limit : g->pel.size();
    c.reply.Array(n);
    auto pit = g->pel.begin();
    for (size_t i = 0; i < n; i++, ++pit) {
      c.reply.Array(4);
      ReplyId(c, pit->first);
      c.reply.Bulk(pit->second.consumer->name);
      c.reply.Int(pit->second.delivery_time);
      c.reply.Int(static_cast<long long>(pit->second.delivery_count));
    }
    c.reply.Bulk("consumers");
    c.reply.Array(g->consumers.size());
    for (const auto& [cname, consumer] : g->consumers) {
      c.reply.Map(4);
      c.reply.Bulk("name");
      c.reply.Bulk(cname);
      c.reply.Bulk("seen-time");
      c.reply.Int(consumer->seen_time);
      c.reply.Bulk("pel-count");
      c.reply.Int(static_cast<long long>(consumer->pel.size()));
      c.reply.Bulk("pending");
      size_t m = limit && limit < consumer->pel.size() ? limit : consumer->pel.size();
      c.reply.Array(m);
      auto cit = consumer->pel.begin();
      for (size_t i = 0; i < m; i++, ++cit) {
        c.reply.Array(3);
        ReplyId(c, cit->first);
        c.reply.Int(cit->second->delivery_time);
        c.reply.Int(static_cast<long long>(cit->second->delivery_count));
      }
    }
  }
}

void XinfoCommand(CommandContext& c) {
  if (c.Is(1, "help")) {
    if (c.argc != 2) return SubcommandSyntaxError(c, "XINFO");
    static const char* const kLines[] = {
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
    };
    return ReplyHelp(c, "XINFO", kLines, sizeof kLines / sizeof kLines[0]);
  }
  std::string_view key = c.arg(2);
  Entry* e;
  if (!c.ReadKeyOfType(key, kStream, &e)) return;
  if (!e) {
    c.reply.Error(kNoKeyError);
    return;
  }
  StreamValue* s = AsStream(e);
  if (c.Is(1, "consumers") && c.argc == 4) {
    StreamGroup* g = s->FindGroup(c.arg(3));
    if (!g) {
      std::string msg = "NOGROUP No such consumer group '";
      msg.append(CStr(c.arg(3)));
      msg += "' for key name '";
      msg.append(CStr(key));
      msg += "'";
      c.reply.Error(msg);
      return;
    }
    const int64_t now = NowMs();
    c.reply.Array(g->consumers.size());
    for (const auto& [name, consumer] : g->consumers) {
      int64_t idle = now - consumer->seen_time;
      c.reply.Map(3);
      c.reply.Bulk("name");
      c.reply.Bulk(name);
      c.reply.Bulk("pending");
      c.reply.Int(static_cast<long long>(consumer->pel.size()));
      c.reply.Bulk("idle");
      c.reply.Int(idle < 0 ? 0 : idle);
    }
  } else if (c.Is(1, "groups") && c.argc == 3) {
    c.reply.Array(s->groups().size());
    for (const auto& [name, g] : s->groups()) {
      c.reply.Map(6);
      c.reply.Bulk("name");
      c.reply.Bulk(name);
      c.reply.Bulk("consumers");
      c.reply.Int(static_cast<long long>(g->consumers.size()));
      c.reply.Bulk("pending");
      c.reply.Int(static_cast<long long>(g->pel.size()));
      c.reply.Bulk("last-delivered-id");
      ReplyId(c, g->last_id);
      c.reply.Bulk("entries-read");
      ReplyEntriesRead(c, *g);
      c.reply.Bulk("lag");
      ReplyLag(c, *s, *g);
    }
  } else if (c.Is(1, "stream")) {
    XinfoStream(c, s);
  } else {
    SubcommandSyntaxError(c, "XINFO");
  }
}

// ---------------------------------------------------------------------------
// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]

void XsetidCommand(CommandContext& c) {
  StreamId id, max_deleted;
  long long entries_added = -1;
  if (!ParseId(c, 2, true, 0, &id)) return;
  for (int i = 3; i < c.argc;) {
    const int more = c.argc - 1 - i;
    if (c.Is(i, "entriesadded") && more) {
      if (!ParseLongLong(c, i + 1, &entries_added)) return;
      if (entries_added < 0) {
        c.reply.Error("ERR entries_added must be positive");
        return;
      }
      i += 2;
    } else if (c.Is(i, "maxdeletedid") && more) {
      if (!ParseId(c, i + 1, true, 0, &max_deleted)) return;
      if (id < max_deleted) {
        c.reply.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
      i += 2;
    } else {
      return c.SyntaxError();
    }
  }
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kStream, &e)) return;
  if (!e) {
    c.reply.Error(kNoKeyError);
    return;
  }
  StreamValue* s = AsStream(e);
  if (s->length() > 0) {
    StreamId maxid;
    s->LastValidId(&maxid);
    if (id < maxid) {
      c.reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s->length() > static_cast<uint64_t>(entries_added)) {
      c.reply.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s->SetLastId(id);
  if (entries_added != -1) s->SetEntriesAdded(static_cast<uint64_t>(entries_added));
  if (!max_deleted.IsZero()) s->SetMaxDeletedId(max_deleted);
  c.reply.Ok();
  // Redis 7.0 does not signal the key as modified here: no WATCH or tracking invalidation.
  c.Notify(kNotifyStream, "xsetid", key);
  c.Dirty();
}

}  // namespace

void RegisterStreamCommands(CommandRegistry& r) {
  r.Add("xadd", XaddCommand);
  r.Add("xtrim", XtrimCommand);
  r.Add("xlen", XlenCommand);
  r.Add("xrange", XrangeCommand);
  r.Add("xrevrange", XrevrangeCommand);
  r.Add("xdel", XdelCommand);
  r.Add("xread", ReadGeneric);
  r.Add("xreadgroup", ReadGeneric);
  r.Add("xgroup|create", XgroupCommand);
  r.Add("xgroup|setid", XgroupCommand);
  r.Add("xgroup|destroy", XgroupCommand);
  r.Add("xgroup|createconsumer", XgroupCommand);
  r.Add("xgroup|delconsumer", XgroupCommand);
  r.Add("xgroup|help", XgroupCommand);
  r.Add("xack", XackCommand);
  r.Add("xpending", XpendingCommand);
  r.Add("xclaim", XclaimCommand);
  r.Add("xautoclaim", XautoclaimCommand);
  r.Add("xinfo|stream", XinfoCommand);
  r.Add("xinfo|groups", XinfoCommand);
  r.Add("xinfo|consumers", XinfoCommand);
  r.Add("xinfo|help", XinfoCommand);
  r.Add("xsetid", XsetidCommand);
}

}  // namespace tachyon
