// ACL enforcement: each user's compiled permissions, checked by the
// dispatcher before a command body runs (Redis 7.0's ACLCheckAllPerm in
// processCommand), when MULTI queues a command and again at EXEC, and by
// scripts' redis.call and redis.acl_check_cmd.
//
// The users, the SETUSER grammar, ACL LOG and the ACL commands live in
// TypeScript (src/acl/); TypeScript compiles a user into selectors (a bitmap
// of allowed commands by command id, the first arguments allowed for
// otherwise denied commands, key patterns with read/write permissions and
// channel patterns) and pushes them here whenever the user changes. A user
// that may run everything on every key and channel is "unrestricted" and
// costs one branch per command.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/key_specs.h"

namespace tachyon {

// Redis's ACL_OK / ACL_DENIED_*: when no selector allows a command, the
// highest of the selectors' results is reported.
enum AclResult : int { kAclOk = 0, kAclDeniedCmd = 1, kAclDeniedKey = 2, kAclDeniedAuth = 3, kAclDeniedChannel = 4 };

enum AclSelectorFlag : uint32_t {
  kAclAllKeys = 1u << 0,
  kAclAllChannels = 1u << 1,
  kAclAllCommands = 1u << 2,
};

enum AclKeyPerm : uint8_t { kAclKeyRead = 1, kAclKeyWrite = 2 };

// How a key pattern is matched: most patterns are a literal, a prefix
// ("user:*"), a suffix ("*:tmp") or an infix ("*:x:*"), and a comparison
// of bytes is enough; the rest go through the glob matcher.
enum class AclMatch : uint8_t { kGlob, kLiteral, kPrefix, kSuffix, kContains };

struct AclKeyPattern {
  std::string pattern;
  uint8_t perms = 0;     // AclKeyPerm bits
  int first = -1;        // the literal byte a match must start with, -1 if any
  AclMatch match = AclMatch::kGlob;
  std::string literal;   // the bytes to compare for the non-glob kinds
};

struct AclSelector {
  uint32_t flags = 0;
  std::vector<uint64_t> commands;  // one bit per command id
  std::unordered_map<uint32_t, std::vector<std::string>> firstargs;  // command id -> allowed argv[1]
  std::vector<AclKeyPattern> keys;
  std::vector<std::string> channels;
  // Compiled: the patterns a key starting with each byte may match (those
  // starting with that literal byte), and those starting with a wildcard.
  std::vector<std::vector<uint16_t>> keys_by_first;  // 256 lists, or empty when there are few patterns
  std::vector<uint16_t> keys_wild;

  bool CommandBit(uint32_t id) const {
    size_t w = id / 64;
    return w < commands.size() && (commands[w] >> (id % 64)) & 1;
  }
};

struct AclUser {
  bool unrestricted = true;
  std::vector<AclSelector> selectors;

  // Derives the fast-path data (unrestricted, pattern shortcuts) after the selectors changed.
  void Compile();
};

// Channel arguments of the pub/sub commands ACL checks (Redis's ACLDoesCommandHaveChannels).
enum class AclChannels : uint8_t { kNone, kFirst, kAll, kAllLiteral };

// What the check needs to know of a command; built once per command id (AclCommandInfoFor).
struct AclCommandInfo {
  uint32_t id = 0;
  bool is_sub = false;       // a subcommand: the first argument is argv[2]
  bool no_auth = false;      // CMD_NO_AUTH: no command bit needed
  bool has_keys = false;
  // One key at a fixed position (GET, INCR, HSET...): checked without the key-spec walk.
  int single_key = 0;
  uint32_t single_key_flags = 0;
  AclChannels channels = AclChannels::kNone;
};

AclCommandInfo AclCommandInfoFor(uint32_t id, const char* name, bool is_sub, bool no_auth);

// Redis's ACLCheckAllUserCommandPerm. On denial *errpos is the argv index
// of the key or channel refused (0 for a command). `keys` is scratch space.
int AclCheck(const AclUser& user, const AclCommandInfo& cmd, const std::string_view* argv, int argc, int* errpos,
             std::vector<KeyRef>* keys);

}  // namespace tachyon
