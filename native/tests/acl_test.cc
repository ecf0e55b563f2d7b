// ACL checks (server/acl.cc) and key extraction (server/key_specs.cc): the
// byte-comparison shortcuts for key patterns agree with the glob matcher on
// random patterns and keys; keys are found with Redis's flags (SET ... GET,
// SORT ... STORE, MIGRATE ... KEYS, numkeys commands, XREAD STREAMS);
// first arguments, subcommands, channels, and the choice of error among
// several selectors follow Redis 7.0's ACLCheckAllUserCommandPerm.
//
// acl.cc and key_specs.cc need no server, so they are compiled in here with
// the generated tables (the test harness links only native/core).
#include "server/acl.cc"
#include "server/command_table.gen.cc"
#include "server/key_specs.cc"
#include "server/key_specs.gen.cc"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/glob.h"
#include "tests/check.h"

using namespace tachyon;

namespace {

AclCommandInfo Info(const char* name) {
  for (size_t i = 0; i < kCommandSpecCount; i++) {
    if (strcmp(kCommandSpecs[i].name, name) != 0) continue;
    return AclCommandInfoFor(static_cast<uint32_t>(i), name, kCommandSpecs[i].container != nullptr,
                             (kCommandSpecs[i].flags & CMD_NO_AUTH) != 0);
  }
  std::fprintf(stderr, "no command %s\n", name);
  std::abort();
}

AclSelector AllCommands() {
  AclSelector s;
  s.flags = kAclAllCommands;
  return s;
}

void Allow(AclSelector* s, const char* name) {
  uint32_t id = Info(name).id;
  if (s->commands.size() <= id / 64) s->commands.resize(id / 64 + 1, 0);
  s->commands[id / 64] |= 1ULL << (id % 64);
}

int Check(const AclUser& u, const char* cmd, std::vector<std::string> args, int* pos = nullptr) {
  std::vector<std::string_view> argv(args.begin(), args.end());
  std::vector<KeyRef> scratch;
  int p = 0;
  int r = AclCheck(u, Info(cmd), argv.data(), static_cast<int>(argv.size()), &p, &scratch);
  if (pos) *pos = p;
  return r;
}

std::vector<KeyRef> Keys(const char* cmd, std::vector<std::string> args) {
  std::vector<std::string_view> argv(args.begin(), args.end());
  std::vector<KeyRef> out;
  GetCommandKeys(Info(cmd).id, argv.data(), static_cast<int>(argv.size()), &out);
  return out;
}

std::string RandomString(std::mt19937& rng, const char* alphabet, size_t max) {
  size_t n = rng() % (max + 1);
  std::string s;
  for (size_t i = 0; i < n; i++) s += alphabet[rng() % strlen(alphabet)];
  return s;
}

}  // namespace

TEST(pattern_shortcuts_agree_with_glob) {
  std::mt19937 rng(42);
  for (int i = 0; i < 200000; i++) {
    // Mostly the shapes that take a shortcut, some that need the glob matcher.
    std::string mid = RandomString(rng, "ab:", 4);
    std::string pattern;
    switch (rng() % 6) {
      case 0: pattern = mid; break;
      case 1: pattern = mid + "*"; break;
      case 2: pattern = "*" + mid; break;
      case 3: pattern = "*" + mid + "*"; break;
      default: pattern = RandomString(rng, "ab:*?[]\\^-", 6); break;
    }
    std::string key = RandomString(rng, "ab:*", 6);
    AclUser u;
    AclSelector s = AllCommands();
    s.keys.push_back({pattern, kAclKeyRead | kAclKeyWrite});
    u.selectors.push_back(s);
    u.Compile();
    bool allowed = Check(u, "get", {"get", key}) == kAclOk;
    if (allowed != GlobMatch(pattern, key)) {
      CHECK_EQ(std::string(allowed ? "allowed " : "denied ") + pattern + " " + key,
               std::string(allowed ? "denied " : "allowed ") + pattern + " " + key);
    }
  }
}

TEST(many_patterns_indexed_by_first_byte_agree_with_glob) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; i++) {
    AclUser u;
    AclSelector s = AllCommands();
    std::vector<std::string> patterns;
    for (int j = 0; j < 8 + static_cast<int>(rng() % 12); j++) {
      std::string p = rng() % 3 ? RandomString(rng, "abc", 2) + "*" : RandomString(rng, "abc*?[]", 4);
      patterns.push_back(p);
      s.keys.push_back({p, kAclKeyRead | kAclKeyWrite});
    }
    u.selectors.push_back(s);
    u.Compile();
    std::string key = RandomString(rng, "abc", 5);
    bool expected = false;
    for (const std::string& p : patterns) expected = expected || GlobMatch(p, key);
    bool allowed = Check(u, "get", {"get", key}) == kAclOk;
    if (allowed != expected) CHECK_EQ(key + (allowed ? " allowed" : " denied"), key + (expected ? " allowed" : " denied"));
  }
}

TEST(read_and_write_permissions_follow_key_spec_flags) {
  AclUser u;
  AclSelector s = AllCommands();
  s.keys.push_back({"r*", kAclKeyRead});
  s.keys.push_back({"w*", kAclKeyWrite});
  u.selectors.push_back(s);
  u.Compile();
  CHECK_EQ(Check(u, "get", {"get", "r1"}), kAclOk);
  CHECK_EQ(Check(u, "get", {"get", "w1"}), kAclDeniedKey);
  CHECK_EQ(Check(u, "set", {"set", "w1", "v"}), kAclOk);
  CHECK_EQ(Check(u, "set", {"set", "w1", "v", "GET"}), kAclDeniedKey);  // GET also reads
  CHECK_EQ(Check(u, "set", {"set", "r1", "v"}), kAclDeniedKey);
  CHECK_EQ(Check(u, "exists", {"exists", "r1", "w1", "x"}), kAclDeniedKey);  // no ACCESS flag, but x matches nothing
  CHECK_EQ(Check(u, "exists", {"exists", "r1", "w1"}), kAclOk);
  int pos = 0;
  CHECK_EQ(Check(u, "copy", {"copy", "r1", "r2"}, &pos), kAclDeniedKey);
  CHECK_EQ(pos, 2);
  CHECK_EQ(Check(u, "copy", {"copy", "r1", "w2"}), kAclOk);
}

TEST(keys_found_as_redis_finds_them) {
  auto ks = Keys("set", {"set", "k", "v", "EX", "10", "get"});
  CHECK_EQ(ks.size(), 1u);
  CHECK_EQ(ks[0].flags, KEY_RW | KEY_ACCESS | KEY_UPDATE);
  ks = Keys("set", {"set", "k", "v"});
  CHECK_EQ(ks[0].flags, KEY_OW | KEY_UPDATE);
  ks = Keys("sort", {"sort", "src", "BY", "w*", "LIMIT", "0", "1", "STORE", "d1", "store", "d2"});
  CHECK_EQ(ks.size(), 2u);
  CHECK_EQ(ks[1].pos, 10);
  ks = Keys("migrate", {"migrate", "h", "1", "", "0", "5", "AUTH", "x", "KEYS", "a", "b"});
  CHECK_EQ(ks.size(), 2u);
  CHECK_EQ(ks[0].pos, 9);
  ks = Keys("migrate", {"migrate", "h", "1", "k", "0", "5"});
  CHECK_EQ(ks.size(), 1u);
  CHECK_EQ(ks[0].pos, 3);
  ks = Keys("zunionstore", {"zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2"});
  CHECK_EQ(ks.size(), 3u);
  ks = Keys("zunionstore", {"zunionstore", "d", "x", "a"});  // bad numkeys: the command reports it
  CHECK_EQ(ks.size(), 0u);
  ks = Keys("xread", {"xread", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"});
  CHECK_EQ(ks.size(), 2u);
  CHECK_EQ(ks[0].pos, 4);
  CHECK_EQ(ks[1].pos, 5);
  ks = Keys("eval", {"eval", "return 1", "2", "a", "b", "c"});
  CHECK_EQ(ks.size(), 2u);
  ks = Keys("bitfield", {"bitfield", "k", "GET", "u8", "0"});
  CHECK_EQ(ks[0].flags, KEY_RO | KEY_ACCESS);
  ks = Keys("bitfield", {"bitfield", "k", "INCRBY", "u8", "0", "1"});
  CHECK_EQ(ks[0].flags, KEY_RW | KEY_ACCESS | KEY_UPDATE);
}

TEST(commands_subcommands_and_first_arguments) {
  AclUser u;
  AclSelector s;
  s.flags = kAclAllKeys | kAclAllChannels;
  Allow(&s, "config|get");
  s.firstargs[Info("select").id] = {"0"};
  u.selectors.push_back(s);
  u.Compile();
  CHECK(!u.unrestricted);
  CHECK_EQ(Check(u, "config|get", {"config", "get", "x"}), kAclOk);
  CHECK_EQ(Check(u, "config|set", {"config", "set", "x", "y"}), kAclDeniedCmd);
  CHECK_EQ(Check(u, "select", {"select", "0"}), kAclOk);
  CHECK_EQ(Check(u, "select", {"SELECT", "1"}), kAclDeniedCmd);
  CHECK_EQ(Check(u, "auth", {"auth", "a", "b"}), kAclOk);  // no-auth commands need no bit
}

TEST(channels_and_the_most_relevant_error) {
  AclUser u;
  AclSelector a = AllCommands();
  a.flags |= kAclAllKeys;
  a.channels = {"news.*"};
  AclSelector b;  // allows GET on k* only
  Allow(&b, "get");
  b.keys.push_back({"k*", kAclKeyRead | kAclKeyWrite});
  b.flags |= kAclAllChannels;
  u.selectors = {a, b};
  u.Compile();
  CHECK_EQ(Check(u, "publish", {"publish", "news.1", "m"}), kAclOk);
  int pos = 0;
  CHECK_EQ(Check(u, "subscribe", {"subscribe", "news.1", "other"}, &pos), kAclDeniedChannel);
  CHECK_EQ(pos, 2);
  CHECK_EQ(Check(u, "psubscribe", {"psubscribe", "news.*"}), kAclOk);  // patterns compare literally
  CHECK_EQ(Check(u, "psubscribe", {"psubscribe", "news.1"}), kAclDeniedChannel);
  CHECK_EQ(Check(u, "get", {"get", "anything"}), kAclOk);  // the first selector
  AclUser v;
  v.selectors = {b};
  v.Compile();
  CHECK_EQ(Check(v, "get", {"get", "x"}, &pos), kAclDeniedKey);
  CHECK_EQ(pos, 1);
  CHECK_EQ(Check(v, "set", {"set", "k", "v"}), kAclDeniedCmd);
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
