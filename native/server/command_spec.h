// Static description of every command the server knows: name, arity, flags,
// ACL categories and the legacy (first, last, step) key range. The table
// itself (kCommandSpecs) is generated from the Redis 7.0 command JSON specs
// by scripts/gen-commands.js into server/command_table.gen.cc.
//
// The bit values below are Tachyon's own; only the set of names mirrors
// Redis. Never persist or send them over the wire.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tachyon {

// One bit per flag that appears in the JSON "command_flags" arrays, plus the
// flags Redis derives or reserves for modules (MOVABLE_KEYS is computed by
// the generator from the key specs, as Redis does at startup).
enum CommandFlag : uint32_t {
  CMD_WRITE = 1u << 0,
  CMD_READONLY = 1u << 1,
  CMD_DENYOOM = 1u << 2,
  CMD_MODULE = 1u << 3,
  CMD_ADMIN = 1u << 4,
  CMD_PUBSUB = 1u << 5,
  CMD_NOSCRIPT = 1u << 6,
  CMD_BLOCKING = 1u << 7,
  CMD_LOADING = 1u << 8,
  CMD_STALE = 1u << 9,
  CMD_SKIP_MONITOR = 1u << 10,
  CMD_SKIP_SLOWLOG = 1u << 11,
  CMD_ASKING = 1u << 12,
  CMD_FAST = 1u << 13,
  CMD_NO_AUTH = 1u << 14,
  CMD_MAY_REPLICATE = 1u << 15,
  CMD_SENTINEL = 1u << 16,
  CMD_ONLY_SENTINEL = 1u << 17,
  CMD_NO_MANDATORY_KEYS = 1u << 18,
  CMD_PROTECTED = 1u << 19,
  CMD_MODULE_GETKEYS = 1u << 20,
  CMD_MODULE_NO_CLUSTER = 1u << 21,
  CMD_NO_ASYNC_LOADING = 1u << 22,
  CMD_NO_MULTI = 1u << 23,
  CMD_MOVABLE_KEYS = 1u << 24,
  CMD_ALLOW_BUSY = 1u << 25,
  CMD_MODULE_GETCHANNELS = 1u << 26,
  CMD_TOUCHES_ARBITRARY_KEYS = 1u << 27,
};

// ACL categories, in the order Redis lists them (COMMAND INFO, ACL CAT).
enum AclCategory : uint32_t {
  ACL_KEYSPACE = 1u << 0,
  ACL_READ = 1u << 1,
  ACL_WRITE = 1u << 2,
  ACL_SET = 1u << 3,
  ACL_SORTEDSET = 1u << 4,
  ACL_LIST = 1u << 5,
  ACL_HASH = 1u << 6,
  ACL_STRING = 1u << 7,
  ACL_BITMAP = 1u << 8,
  ACL_HYPERLOGLOG = 1u << 9,
  ACL_GEO = 1u << 10,
  ACL_STREAM = 1u << 11,
  ACL_PUBSUB = 1u << 12,
  ACL_ADMIN = 1u << 13,
  ACL_FAST = 1u << 14,
  ACL_SLOW = 1u << 15,
  ACL_BLOCKING = 1u << 16,
  ACL_DANGEROUS = 1u << 17,
  ACL_CONNECTION = 1u << 18,
  ACL_TRANSACTION = 1u << 19,
  ACL_SCRIPTING = 1u << 20,
};

struct CommandSpec {
  const char* name;       // lowercase full name: "get", or "config|get" for a subcommand
  const char* container;  // lowercase parent name ("config") for subcommands, nullptr otherwise
  int arity;              // Redis arity (negative = at least -arity arguments)
  uint32_t flags;         // CommandFlag bits
  uint32_t acl;           // AclCategory bits, implicit ones (@read, @slow, ...) included
  int first_key, last_key, key_step;  // legacy key range exactly as COMMAND INFO reports it
};

// Sorted by name, each container immediately followed by its subcommands.
// Sentinel-only commands are not included (a plain redis-server hides them too).
extern const CommandSpec kCommandSpecs[];
extern const size_t kCommandSpecCount;

}  // namespace tachyon
