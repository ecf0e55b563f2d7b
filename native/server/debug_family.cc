// DEBUG: Redis 7.0.15's subcommands (debug.c), gated by enable-debug-command
// in the dispatcher (server.cc). Texts and argument checks follow Redis; the
// code is Tachyon's own.
//
// Subcommands whose state TypeScript owns run there through the JsExecutor
// (the path EXEC uses for TypeScript's commands): CHANGE-REPL-ID (the
// replication ids INFO shows), CONFIG-REWRITE-FORCE-ALL (the configuration),
// RELOAD and LOADAOF (persistence), and the INFO and client lists a crash
// report shows (DEBUG SEGFAULT/PANIC/ASSERT/OOM). TypeScript registers them
// as "debug|<name>" (src/commands/debug.ts); they cannot be reached any other
// way, since the dispatcher only knows "debug".
//
// Redis 7.0.15 has no JMAP, STRINGMATCH-LEN, MALLCTL or MALLCTL-STR (the
// last two only exist in jemalloc builds; Debian's has none): they answer
// the unknown-subcommand error, as there.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/glob.h"
#include "core/quicklist.h"
#include "core/sha1.h"
#include "core/util.h"
#include "core/zmalloc.h"
#include "server/command.h"
#include "server/crash_report.h"
#include "server/digest.h"
#include "server/hash_value.h"
#include "server/list_value.h"
#include "server/object.h"
#include "server/rdb_writer.h"
#include "server/replies.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/zset_value.h"

namespace tachyon {

namespace {

// The argument up to its first NUL, as Redis's "%s" shows it.
std::string CArg(std::string_view a) { return std::string(a.substr(0, std::min(a.find('\0'), a.size()))); }

// atoi(): leading blanks, optional sign, digits; 0 when there are none.
int Atoi(std::string_view a) { return atoi(CArg(a).c_str()); }

// Runs the TypeScript half of a subcommand (see the file comment).
void RunInTypeScript(CommandContext& c) {
  JsExecutor* ex = c.server.js_executor();
  if (!ex) return c.reply.Error("ERR DEBUG subcommand not available");
  std::vector<std::string_view> argv(c.argv, c.argv + c.argc);
  ex->Run(c.client, argv, c.reply.buffer());
}

// Fetches INFO, the client list and the current client from TypeScript for a
// crash report, before crashing.
void PrepareCrashReport(CommandContext& c) {
  JsExecutor* ex = c.server.js_executor();
  if (!ex) return;
  ByteBuffer out;
  std::vector<std::string_view> argv{"DEBUG", "crash-report"};
  ex->Run(c.client, argv, &out);
  // A bulk string: "$<len>\r\n<text>\r\n".
  std::string_view r(out.data(), out.size());
  size_t nl = r.find("\r\n");
  if (r.empty() || (r[0] != '$' && r[0] != '=') || nl == std::string_view::npos) return;
  std::string_view body = r.substr(nl + 2);
  if (body.size() >= 2) body.remove_suffix(2);
  if (r[0] == '=' && body.size() >= 4) body.remove_prefix(4);  // verbatim "txt:"
  SetCrashContext(std::string(body));
}

void Help(CommandContext& c) {
  ReplyHelp(
      c, "DEBUG",
      {
          "AOF-FLUSH-SLEEP <microsec>",
          "    Server will sleep before flushing the AOF, this is used for testing.",
          "ASSERT",
          "    Crash by assertion failed.",
          "CHANGE-REPL-ID",
          "    Change the replication IDs of the instance.",
          "    Dangerous: should be used only for testing the replication subsystem.",
          "CONFIG-REWRITE-FORCE-ALL",
          "    Like CONFIG REWRITE but writes all configuration options, including",
          "    keywords not listed in original configuration file or default values.",
          "CRASH-AND-RECOVER [<milliseconds>]",
          "    Hard crash and restart after a <milliseconds> delay (default 0).",
          "DIGEST",
          "    Output a hex signature representing the current DB content.",
          "DIGEST-VALUE <key> [<key> ...]",
          "    Output a hex signature of the values of all the specified keys.",
          "ERROR <string>",
          "    Return a Redis protocol error with <string> as message. Useful for clients",
          "    unit tests to simulate Redis errors.",
          "LEAK <string>",
          "    Create a memory leak of the input string.",
          "LOG <message>",
          "    Write <message> to the server log.",
          "HTSTATS <dbid>",
          "    Return hash table statistics of the specified Redis database.",
          "HTSTATS-KEY <key>",
          "    Like HTSTATS but for the hash table stored at <key>'s value.",
          "LOADAOF",
          "    Flush the AOF buffers on disk and reload the AOF in memory.",
          "REPLICATE <string>",
          "    Replicates the provided string to replicas, allowing data divergence.",
          "OBJECT <key>",
          "    Show low level info about `key` and associated value.",
          "DROP-CLUSTER-PACKET-FILTER <packet-type>",
          "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
          "OOM",
          "    Crash the server simulating an out-of-memory error.",
          "PANIC",
          "    Crash the server simulating a panic.",
          "POPULATE <count> [<prefix>] [<size>]",
          "    Create <count> string keys named key:<num>. If <prefix> is specified then",
          "    it is used instead of the 'key' prefix. These are not propagated to",
          "    replicas. Cluster slots are not respected so keys not belonging to the",
          "    current node can be created in cluster mode.",
          "PROTOCOL <type>",
          "    Reply with a test value of the specified type. <type> can be: string,",
          "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
          "    true, false.",
          "RELOAD [option ...]",
          "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
          "    * MERGE: conflicting keys will be loaded from RDB.",
          "    * NOFLUSH: the existing database will not be removed before load, but",
          "      conflicting keys will generate an exception and kill the server.",
          "    * NOSAVE: the database will be loaded from an existing RDB file.",
          "    Examples:",
          "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
          "      the database.",
          "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
          "      existing RDB file.",
          "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
          "      file to the database.",
          "RESTART [<milliseconds>]",
          "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
          "SDSLEN <key>",
          "    Show low level SDS string info representing `key` and value.",
          "SEGFAULT",
          "    Crash the server with sigsegv.",
          "SET-ACTIVE-EXPIRE <0|1>",
          "    Setting it to 0 disables expiring keys in background when they are not",
          "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
          "    default.",
          "QUICKLIST-PACKED-THRESHOLD <size>",
          "    Sets the threshold for elements to be inserted as plain vs packed nodes",
          "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
          "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
          "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
          "SLEEP <seconds>",
          "    Stop the server for <seconds>. Decimals allowed.",
          "STRINGMATCH-TEST",
          "    Run a fuzz tester against the stringmatchlen() function.",
          "STRUCTSIZE",
          "    Return the size of different Redis core C structures.",
          "LISTPACK <key>",
          "    Show low level info about the listpack encoding of <key>.",
          "QUICKLIST <key> [<0|1>]",
          "    Show low level info about the quicklist encoding of <key>.",
          "    The optional argument (0 by default) sets the level of detail",
          "CLIENT-EVICTION",
          "    Show low level client eviction pools info (maxmemory-clients).",
          "PAUSE-CRON <0|1>",
          "    Stop periodic cron job processing.",
          "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
          "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
          "    In case NEVER is provided the last observed peak will never be reset",
          "    In case RESET is provided the peak reset time will be restored to the default value",
          "REPLYBUFFER RESIZING <0|1>",
          "    Enable or disable the reply buffer resize cron job",
          "CLUSTERLINK KILL <to|from|all> <node-id>",
          "    Kills the link based on the direction to/from (both) with the provided node.",
      });
}

// ---- Crashes --------------------------------------------------------------

[[noreturn]] void Segfault(CommandContext& c) {
  PrepareCrashReport(c);
  CrashSegfault();
}

[[noreturn]] void Panic(CommandContext& c) {
  PrepareCrashReport(c);
  CrashPanic(__FILE__, __LINE__, "DEBUG PANIC called at Unix time " + std::to_string(time(nullptr)));
}

[[noreturn]] void Assert(CommandContext& c) {
  PrepareCrashReport(c);
  CrashAssert(__FILE__, __LINE__, "1 == 2");
}

// Redis allocates ULONG_MAX bytes, and its out-of-memory handler panics.
[[noreturn]] void Oom(CommandContext& c) {
  PrepareCrashReport(c);
  CrashPanic(__FILE__, __LINE__,
             "Tachyon aborting for OUT OF MEMORY. Allocating " + std::to_string(ULONG_MAX) + " bytes!");
}

// ---- Keyspace --------------------------------------------------------------

// The entry for key without expiring it or touching its access time (dictFind).
Entry* RawKey(CommandContext& c, std::string_view key) { return c.db->FindRaw(key); }

void Digest(CommandContext& c) {
  uint8_t d[20];
  DatasetDigest(c.server, d);
  c.reply.Simple(HexDigest(d));
}

void DigestValue(CommandContext& c) {
  c.reply.Array(static_cast<size_t>(c.argc - 2));
  for (int j = 2; j < c.argc; j++) {
    uint8_t d[20] = {0};
    // Logically expired keys too: a debug command sees the raw keyspace.
    if (Entry* e = RawKey(c, c.arg(j))) ObjectDigest(*c.db, e, d);
    c.reply.Simple(HexDigest(d));
  }
}

// DEBUG POPULATE <count> [<prefix>] [<size>]: string keys "<prefix>:<n>" with
// "value:<n>" (cut or zero-padded to <size>); existing keys are left alone.
void Populate(CommandContext& c) {
  constexpr std::string_view kPositive = "ERR value is out of range, must be positive";
  long keys;
  if (!c.ParseRange(2, 0, LONG_MAX, &keys, kPositive)) return;
  long valsize = 0;
  if (c.argc == 5 && !c.ParseRange(4, 0, LONG_MAX, &valsize, kPositive)) return;
  std::string prefix = c.argc == 3 ? "key" : CArg(c.arg(3));
  char buf[128];
  for (long j = 0; j < keys; j++) {
    int n = snprintf(buf, sizeof buf, "%s:%lu", prefix.c_str(), static_cast<unsigned long>(j));
    std::string key(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
    if (c.WriteKey(key)) continue;
    n = snprintf(buf, sizeof buf, "value:%lu", static_cast<unsigned long>(j));
    std::string value(buf, static_cast<size_t>(n));
    if (valsize != 0) value.resize(static_cast<size_t>(valsize), '\0');
    ObjEncoding enc = value.size() <= kEmbstrMaxLen ? kEncEmbstr : kEncRaw;
    c.db->Add(NewStringEntry(key, KeyHash(key), value, enc));
    c.KeyModified(key);
  }
  c.reply.Ok();
}

// dictGetStats: per table, its size, elements, used slots, chain lengths.
template <class DictT>
std::string HashTableStats(const DictT& d) {
  std::string out;
  char line[256];
  for (int t = 0; t < 2; t++) {
    if (t == 1 && d.table_size(1) == 0) break;
    const size_t size = d.table_size(t), used = d.table_used(t);
    if (used == 0) {
      out += t == 0 ? "Hash table 0 stats (main hash table):\n" : "Hash table 1 stats (rehashing target):\n";
      out += "No stats available for empty dictionaries\n";
      continue;
    }
    constexpr size_t kVectLen = 50;
    unsigned long clvector[kVectLen] = {0};
    unsigned long slots = 0, maxchain = 0, totchain = 0;
    for (size_t i = 0; i < size; i++) {
      size_t len = d.ChainLength(t, i);
      if (len == 0) {
        clvector[0]++;
        continue;
      }
      slots++;
      clvector[len < kVectLen ? len : kVectLen - 1]++;
      if (len > maxchain) maxchain = len;
      totchain += len;
    }
    snprintf(line, sizeof line,
             "Hash table %d stats (%s):\n table size: %lu\n number of elements: %lu\n different slots: %lu\n"
             " max chain length: %lu\n avg chain length (counted): %.02f\n avg chain length (computed): %.02f\n"
             " Chain length distribution:\n",
             t, t == 0 ? "main hash table" : "rehashing target", static_cast<unsigned long>(size),
             static_cast<unsigned long>(used), slots, maxchain, static_cast<double>(static_cast<float>(totchain) / slots),
             static_cast<double>(static_cast<float>(used) / slots));
    out += line;
    for (size_t i = 0; i < kVectLen - 1; i++) {
      if (clvector[i] == 0) continue;
      snprintf(line, sizeof line, "   %ld: %ld (%.02f%%)\n", static_cast<long>(i), static_cast<long>(clvector[i]),
               static_cast<double>((static_cast<float>(clvector[i]) / size) * 100));
      out += line;
    }
  }
  return out;
}

void Htstats(CommandContext& c) {
  long dbid;
  if (!c.ParseLong(2, &dbid)) return;
  if (dbid < 0 || dbid >= c.server.db_count()) return c.reply.Error("ERR Out of range database");
  Db& db = c.server.db(static_cast<int>(dbid));
  std::string stats = "[Dictionary HT]\n" + HashTableStats(db.keys()) + "[Expires HT]\n" + HashTableStats(db.expires());
  c.reply.Verbatim(stats);
}

// objectCommandLookupOrReply: a read lookup that does not touch the access
// time; "no such key" when missing.
Entry* LookupOrNoKey(CommandContext& c, std::string_view key) {
  Entry* e = c.db->Lookup(key, c.now_ms);
  if (!e) c.reply.Error(err::kNoSuchKey);
  return e;
}

// DEBUG OBJECT: debug.c's status line. The lookup sees the key even when it
// has expired and not been reclaimed yet (Redis reads the dict directly).
// "Value at" is the address of the key's entry; serializedlength is the
// RDB encoding of the value alone (a DUMP payload without its type byte and
// 10-byte footer), compressed when rdbcompression is on, as rdbSavedObjectLen.
void ObjectCommand(CommandContext& c) {
  Entry* e = c.db->FindRaw(c.arg(2));
  if (!e) return c.reply.Error(err::kNoSuchKey);
  const size_t serialized = CreateDumpPayload(e, c.server.settings().rdbcompression).size() - 11;
  const uint32_t clock = c.server.lru_clock();
  const uint32_t lru = e->lru;
  const unsigned long long idle = clock >= lru ? clock - lru : clock + (((1u << 24) - 1) - lru);
  char extra[160] = "";
  if (e->type == kList) {
    const Quicklist& ql = e->as<ListValue>()->quicklist();
    const size_t nodes = ql.node_count();
    snprintf(extra, sizeof extra,
             " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%zu", nodes,
             static_cast<double>(ql.size()) / static_cast<double>(nodes), ql.fill(), ql.compress_depth() != 0,
             ql.TotalNodeBytes());
  }
  char line[512];
  snprintf(line, sizeof line, "Value at:%p refcount:%lld encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu%s",
           static_cast<void*>(e), EntryRefcount(c.server, e), EncodingName(static_cast<ObjEncoding>(e->encoding)),
           serialized, lru, idle, extra);
  c.reply.Simple(line);
}

void HtstatsKey(CommandContext& c) {
  Entry* e = LookupOrNoKey(c, c.arg(2));
  if (!e) return;
  std::string stats;
  if (e->type == kHash && !e->as<HashValue>()->is_listpack()) {
    stats = HashTableStats(*e->as<HashValue>()->dict());
  } else if (e->type == kSet && !e->as<SetValue>()->is_intset()) {
    stats = HashTableStats(*e->as<SetValue>()->dict());
  } else if (e->type == kZSet && !e->as<ZSetValue>()->is_listpack()) {
    stats = HashTableStats(*e->as<ZSetValue>()->dict());
  } else {
    return c.reply.Error("ERR The value stored at the specified key is not represented using an hash table");
  }
  c.reply.Verbatim(stats);
}

// lpRepr's layout, on stdout.
void PrintListpack(const Listpack& lp) {
  printf("{total bytes %zu} {num entries %zu}\n", lp.bytes(), lp.size());
  int index = 0;
  char buf[kLongStrSize];
  for (size_t p = lp.First(); p != Listpack::npos; p = lp.Next(p), index++) {
    size_t size = lp.EntrySize(p);
    printf("{\n\taddr: 0x%08lx,\n\tindex: %2d,\n\toffset: %1lu,\n\thdr+entrylen+backlen: %2lu,\n",
           reinterpret_cast<unsigned long>(lp.data() + p), index, static_cast<unsigned long>(p),
           static_cast<unsigned long>(size));
    printf("\tbytes: ");
    for (size_t i = 0; i < size; i++) printf("%02x|", lp.data()[p + i]);
    printf("\n");
    std::string_view v = lp.Get(p).View(buf);
    printf("\t[str]");
    fwrite(v.data(), 1, v.size() > 40 ? 40 : v.size(), stdout);
    if (v.size() > 40) printf("...");
    printf("\n}\n");
  }
  printf("{end}\n\n");
  fflush(stdout);
}

void ListpackCommand(CommandContext& c) {
  Entry* e = LookupOrNoKey(c, c.arg(2));
  if (!e) return;
  if (e->encoding != kEncListpack) return c.reply.Error("ERR Not a listpack encoded object.");
  if (e->type == kHash) PrintListpack(e->as<HashValue>()->listpack());
  else if (e->type == kZSet) PrintListpack(e->as<ZSetValue>()->listpack());
  c.reply.Simple("Listpack structure printed on stdout");
}

void QuicklistCommand(CommandContext& c) {
  Entry* e = LookupOrNoKey(c, c.arg(2));
  if (!e) return;
  int full = c.argc == 4 ? Atoi(c.arg(3)) : 0;
  if (e->encoding != kEncQuicklist) return c.reply.Error("ERR Not a quicklist encoded object.");
  const Quicklist& ql = e->as<ListValue>()->quicklist();
  printf("{count : %zu}\n{len : %zu}\n{fill : %d}\n{compress : %d}\n{bookmark_count : 0}\n", ql.size(),
         ql.node_count(), ql.fill(), ql.compress_depth());
  int i = 0;
  for (const QuicklistNode* n = ql.head(); n; n = n->next, i++) {
    printf("{quicklist node(%d)\n{container : %s, count : %u, sz : %zu, recompress : 0, attempted_compress : 0}\n", i,
           n->is_plain ? "PLAIN" : "PACKED", n->count, n->sz());
    if (full && !n->is_plain) PrintListpack(n->lp);
    printf("}\n");
  }
  fflush(stdout);
  c.reply.Simple("Quicklist structure printed on stdout");
}

// DEBUG SDSLEN: Tachyon keeps the key and a string value inline in one block,
// so both report that block's size as their allocation.
void Sdslen(CommandContext& c) {
  Entry* e = RawKey(c, c.arg(2));
  if (!e) return c.reply.Error(err::kNoSuchKey);
  if (e->type != kString || e->is_int()) return c.reply.Error("ERR Not an sds encoded string.");
  char buf[256];
  snprintf(buf, sizeof buf,
           "key_sds_len:%lld, key_sds_avail:%lld, key_zmalloc: %lld, val_sds_len:%lld, val_sds_avail:%lld, "
           "val_zmalloc: %lld",
           static_cast<long long>(e->keylen), 0LL, static_cast<long long>(ZMallocSize(e) + sizeof(void*)),
           static_cast<long long>(e->vlen), static_cast<long long>(InlineCapacity(e) - e->vlen),
           static_cast<long long>(ZMallocSize(e) + sizeof(void*)));
  c.reply.Simple(buf);
}

// ---- Replies ----------------------------------------------------------------

void Protocol(CommandContext& c) {
  std::string name = CArg(c.arg(2));
  auto is = [&](const char* n) { return strcasecmp(name.c_str(), n) == 0; };
  Reply& r = c.reply;
  if (is("string")) {
    r.Bulk("Hello World");
  } else if (is("integer")) {
    r.Int(12345);
  } else if (is("double")) {
    r.Double(3.141);
  } else if (is("bignum")) {
    r.BigNum("1234567999999999999999999999999999999");
  } else if (is("null")) {
    r.Null();
  } else if (is("array")) {
    r.Array(3);
    for (int j = 0; j < 3; j++) r.Int(j);
  } else if (is("set")) {
    r.Set(3);
    for (int j = 0; j < 3; j++) r.Int(j);
  } else if (is("map")) {
    r.Map(3);
    for (int j = 0; j < 3; j++) {
      r.Int(j);
      r.Bool(j == 1);
    }
  } else if (is("attrib")) {
    if (r.resp() >= 3) {
      r.Attribute(1);
      r.Bulk("key-popularity");
      r.Array(2);
      r.Bulk("key:123");
      r.Int(90);
    }
    // An attribute is not a reply: a real one follows.
    r.Bulk("Some real reply following the attribute");
  } else if (is("push")) {
    if (r.resp() < 3) return r.Error("ERR RESP2 is not supported by this command");
    r.Push(2);
    r.Bulk("server-cpu-usage");
    r.Int(42);
    r.Bulk("Some real reply following the push reply");
  } else if (is("true")) {
    r.Bool(true);
  } else if (is("false")) {
    r.Bool(false);
  } else if (is("verbatim")) {
    r.Verbatim("This is a verbatim\nstring");
  } else {
    r.Error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

// DEBUG ERROR <string>: the string as an error reply, newlines made spaces.
void ErrorCommand(CommandContext& c) {
  std::string msg(c.arg(2));
  for (char& ch : msg) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  c.reply.Error(msg);
}

void Structsize(CommandContext& c) {
  char buf[256];
  snprintf(buf, sizeof buf, "bits:%d entry:%zu expirenode:%zu hashnode:%zu setnode:%zu zskipnode:%zu ",
           sizeof(void*) == 8 ? 64 : 32, kEntryHeader, sizeof(ExpireNode), sizeof(HashNode), sizeof(SetNode),
           sizeof(ZSkipNode));
  c.reply.Bulk(buf);
}

// ---- Settings ----------------------------------------------------------------

void Sleep(CommandContext& c) {
  double seconds = strtod(CArg(c.arg(2)).c_str(), nullptr);
  long long usec = static_cast<long long>(seconds * 1000000);
  if (usec > 0) {
    timespec ts{static_cast<time_t>(usec / 1000000), static_cast<long>((usec % 1000000) * 1000)};
    nanosleep(&ts, nullptr);
  }
  c.reply.Ok();
}

// DEBUG REPLICATE: the arguments go to the replicas (and the backlog) as a
// command of their own, never to the AOF, so a test can make a replica
// diverge. Like Redis's replicationFeedSlaves with dictid -1, the stream
// then selects "-1" and the next write selects its database again.
void Replicate(CommandContext& c) {
  std::vector<std::string> argv;
  for (int j = 2; j < c.argc; j++) argv.emplace_back(c.arg(j));
  c.server.propagator().Command(-1, std::move(argv), kPropagateReplicas);
  c.reply.Ok();
}

void SetActiveExpire(CommandContext& c) {
  c.server.settings().active_expire_enabled = Atoi(c.arg(2)) != 0;
  c.reply.Ok();
}

// memtoull(): digits with an optional unit (b, k, kb, m, mb, g, gb).
bool MemToUll(std::string_view s, unsigned long long* out) {
  std::string a = CArg(s);
  if (!a.empty() && a[0] == '-') return false;
  size_t u = 0;
  while (u < a.size() && isdigit(static_cast<unsigned char>(a[u]))) u++;
  std::string unit = a.substr(u);
  unsigned long long mul;
  if (unit.empty() || !strcasecmp(unit.c_str(), "b")) mul = 1;
  else if (!strcasecmp(unit.c_str(), "k")) mul = 1000;
  else if (!strcasecmp(unit.c_str(), "kb")) mul = 1024;
  else if (!strcasecmp(unit.c_str(), "m")) mul = 1000ull * 1000;
  else if (!strcasecmp(unit.c_str(), "mb")) mul = 1024ull * 1024;
  else if (!strcasecmp(unit.c_str(), "g")) mul = 1000ull * 1000 * 1000;
  else if (!strcasecmp(unit.c_str(), "gb")) mul = 1024ull * 1024 * 1024;
  else return false;
  if (u >= 128) return false;
  errno = 0;
  unsigned long long v = strtoull(a.substr(0, u).c_str(), nullptr, 10);
  *out = v * mul;
  return true;
}

void QuicklistPackedThreshold(CommandContext& c) {
  unsigned long long sz;
  if (!MemToUll(c.arg(2), &sz) || !Quicklist::SetPackedThreshold(static_cast<size_t>(sz))) {
    return c.reply.Error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
  }
  c.reply.Ok();
}

void SetSkipChecksumValidation(CommandContext& c) {
  c.server.settings().skip_checksum_validation = Atoi(c.arg(2)) != 0;
  c.reply.Ok();
}

void AofFlushSleep(CommandContext& c) {
  c.server.settings().aof_flush_sleep = Atoi(c.arg(2));
  c.reply.Ok();
}

void SetDisableDenyScripts(CommandContext& c) {
  c.server.settings().script_disable_deny_script = Atoi(c.arg(2)) != 0;
  c.reply.Ok();
}

// DEBUG CLIENT-EVICTION: the clients maxmemory-clients may evict, by memory
// in Redis's power-of-two buckets (32 KB and below, up to 8 GB and above),
// with the memory each was last measured at. Redis only keeps the buckets
// while maxmemory-clients is set, so without it the answer is an error.
void ClientEviction(CommandContext& c) {
  if (c.server.settings().maxmemory_clients == 0) return c.reply.Error("ERR maxmemory-clients is disabled.");
  constexpr int kMinLog = 15;  // CLIENT_MEM_USAGE_BUCKET_MIN_LOG
  constexpr int kMaxLog = 33;  // CLIENT_MEM_USAGE_BUCKET_MAX_LOG
  constexpr int kBuckets = kMaxLog - kMinLog + 1;
  size_t mem[kBuckets] = {};
  size_t count[kBuckets] = {};
  for (const auto& cl : c.server.clients()) {
    // Those ClientsToEvict never picks (replication links, CLIENT NO-EVICT).
    if (!cl || cl->master || cl->replica || cl->monitor || cl->no_evict) continue;
    const size_t m = cl->tracked_memory;
    int bits = 0;
    for (size_t v = m; v; v >>= 1) bits++;
    const int idx = std::min(std::max(bits, kMinLog), kMaxLog) - kMinLog;
    mem[idx] += m;
    count[idx]++;
  }
  std::string out;
  char line[128];
  for (int j = 0; j < kBuckets; j++) {
    if (j == 0) {
      snprintf(line, sizeof line, "bucket          0 - %10zu: ", (size_t{1} << kMinLog) - 1);
    } else if (j == kBuckets - 1) {
      snprintf(line, sizeof line, "bucket %10zu+            : ", size_t{1} << (j - 1 + kMinLog));
    } else {
      snprintf(line, sizeof line, "bucket %10zu - %10zu: ", size_t{1} << (j - 1 + kMinLog),
               (size_t{1} << (j + kMinLog)) - 1);
    }
    out += line;
    snprintf(line, sizeof line, "tot-mem: %10zu, clients: %zu\n", mem[j], count[j]);
    out += line;
  }
  c.reply.Verbatim(out);
}

void PauseCron(CommandContext& c) {
  c.server.settings().pause_cron = Atoi(c.arg(2)) != 0;
  c.reply.Ok();
}

// The reply buffers' peak reset time (CLIENT LIST rbp=) and their resizing
// by the cron (Server::ClientsCron).
void Replybuffer(CommandContext& c) {
  Settings& s = c.server.settings();
  std::string what = CArg(c.arg(2));
  if (!strcasecmp(what.c_str(), "peak-reset-time")) {
    std::string v = CArg(c.arg(3));
    if (!strcasecmp(v.c_str(), "never")) {
      s.reply_buffer_peak_reset_ms = -1;
    } else if (!strcasecmp(v.c_str(), "reset")) {
      s.reply_buffer_peak_reset_ms = 5000;
    } else {
      long ms;
      if (!c.ParseLong(3, &ms)) return;
      s.reply_buffer_peak_reset_ms = ms;
    }
  } else if (!strcasecmp(what.c_str(), "resizing")) {
    s.reply_buffer_resizing = Atoi(c.arg(3)) != 0;
  } else {
    return SubcommandSyntaxError(c, "DEBUG");
  }
  c.reply.Ok();
}

void DropClusterPacketFilter(CommandContext& c) {
  long type;
  if (!c.ParseLong(2, &type)) return;
  c.reply.Ok();
}

void Log(CommandContext& c) {
  c.server.QueueEvent(EventKind::kLog, 0, 0, "warning", "DEBUG LOG: " + CArg(c.arg(2)));
  c.reply.Ok();
}

void Leak(CommandContext& c) {
  // Deliberately never freed.
  new std::string(c.arg(2));
  c.reply.Ok();
}

// Redis's stringmatchlen_fuzz_test: random patterns against random strings,
// only to see that matching never crashes.
void StringmatchTest(CommandContext& c) {
  char pattern[32], str[32];
  uint64_t seed = static_cast<uint64_t>(time(nullptr)) | 1;
  auto next = [&]() {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  for (int i = 0; i < 10000000; i++) {
    size_t plen = next() % sizeof pattern, slen = next() % sizeof str;
    for (size_t j = 0; j < plen; j++) pattern[j] = static_cast<char>(next() % 128);
    for (size_t j = 0; j < slen; j++) str[j] = static_cast<char>(next() % 128);
    GlobMatch(std::string_view(pattern, plen), std::string_view(str, slen));
  }
  c.reply.Simple("Apparently Redis did not crash: test passed");
}

void DebugCommand(CommandContext& c) {
  std::string sub = CArg(c.arg(1));
  auto is = [&](const char* n) { return strcasecmp(sub.c_str(), n) == 0; };
  const int argc = c.argc;
  if (argc == 2 && is("help")) return Help(c);
  if (is("segfault")) Segfault(c);
  if (is("panic")) Panic(c);
  if (is("oom")) Oom(c);
  if (is("assert")) Assert(c);
  if (is("restart") || is("crash-and-recover")) {
    if (argc >= 3) {
      int64_t delay;
      if (!c.ParseInt(2, &delay)) return;
    }
    return RunInTypeScript(c);
  }
  if (is("log") && argc == 3) return Log(c);
  if (is("leak") && argc == 3) return Leak(c);
  if (is("reload") || is("loadaof")) return RunInTypeScript(c);
  if (is("drop-cluster-packet-filter") && argc == 3) return DropClusterPacketFilter(c);
  if (is("object") && argc == 3) return ObjectCommand(c);
  if (is("sdslen") && argc == 3) return Sdslen(c);
  if (is("listpack") && argc == 3) return ListpackCommand(c);
  if (is("quicklist") && (argc == 3 || argc == 4)) return QuicklistCommand(c);
  if (is("populate") && argc >= 3 && argc <= 5) return Populate(c);
  if (is("digest") && argc == 2) return Digest(c);
  if (is("digest-value")) return DigestValue(c);
  if (is("protocol") && argc == 3) return Protocol(c);
  if (is("sleep") && argc == 3) return Sleep(c);
  if (is("set-active-expire") && argc == 3) return SetActiveExpire(c);
  if (is("quicklist-packed-threshold") && argc == 3) return QuicklistPackedThreshold(c);
  if (is("set-skip-checksum-validation") && argc == 3) return SetSkipChecksumValidation(c);
  if (is("aof-flush-sleep") && argc == 3) return AofFlushSleep(c);
  if (is("replicate") && argc >= 3) return Replicate(c);
  if (is("error") && argc == 3) return ErrorCommand(c);
  if (is("structsize") && argc == 2) return Structsize(c);
  if (is("htstats") && argc == 3) return Htstats(c);
  if (is("htstats-key") && argc == 3) return HtstatsKey(c);
  if (is("change-repl-id") && argc == 2) return RunInTypeScript(c);
  if (is("stringmatch-test") && argc == 2) return StringmatchTest(c);
  if (is("set-disable-deny-scripts") && argc == 3) return SetDisableDenyScripts(c);
  if (is("config-rewrite-force-all") && argc == 2) return RunInTypeScript(c);
  if (is("client-eviction") && argc == 2) return ClientEviction(c);
  if (is("pause-cron") && argc == 3) return PauseCron(c);
  if (is("replybuffer") && argc == 4) return Replybuffer(c);
  if (is("clusterlink") && argc == 5 && strcasecmp(CArg(c.arg(2)).c_str(), "kill") == 0) {
    return c.reply.Error("ERR Debug option only available for cluster mode enabled setup!");
  }
  SubcommandSyntaxError(c, "DEBUG");
}

}  // namespace

void RegisterDebugCommands(CommandRegistry& r) { r.Add("debug", DebugCommand); }

}  // namespace tachyon
