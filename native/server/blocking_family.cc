// The blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
//
// Each command first tries to serve itself like its non-blocking sibling
// (LPOP, LMOVE, LMPOP, ZPOPMIN, ZMPOP: same replies, same bookkeeping, through
// the generic operations list_value.h and zset_value.h expose). When every key
// is missing it parks the client with CommandContext::Block and writes no
// reply; inside EXEC, where blocking is not allowed, it answers at once with a
// null array (a null bulk for BLMOVE/BRPOPLPUSH, whose real timeout reply is
// nevertheless a null array: Redis 7.0 has both).
//
// A parked client's command runs again (Server::RetryBlocked) when one of its
// keys is signalled ready. Redis 7.0 serves such a client only from a key of
// the type it waits for, and a key that meanwhile became another type leaves
// it blocked rather than failing it. So during a retry a key of another type
// is skipped instead of answered with WRONGTYPE, and the client keeps the
// deadline it blocked with rather than getting a new one.
#include "server/blocking_family.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/util.h"
#include "server/command.h"
#include "server/list_value.h"
#include "server/server.h"
#include "server/zset_value.h"

namespace tachyon {
namespace {

// True while Server::RetryBlocked re-runs the client's parked command: the
// client is still paused and the arguments are views of the kept command.
bool IsRetry(const CommandContext& c) { return c.client.block.retrying; }

enum class Lookup : uint8_t { kFound, kError, kNone };

// The first of `keys` holding a non-empty value of `type` (Redis's loop over
// the keys with lookupKeyWrite). A key of another type is a WRONGTYPE error,
// except during a retry, where it is skipped.
Lookup FirstReady(CommandContext& c, const std::string_view* keys, int n, ObjType type, int* idx, Entry** out) {
  const bool retry = IsRetry(c);
  // Redis serves a retried client from the key that was signalled ready first.
  if (retry && !c.client.block.ready_key.empty()) {
    for (int i = 0; i < n; i++) {
      if (keys[i] != c.client.block.ready_key) continue;
      Entry* e = c.WriteKey(keys[i]);
      if (e && e->type == type && e->collection()->Length() > 0) {
        *idx = i;
        *out = e;
        return Lookup::kFound;
      }
      break;
    }
  }
  for (int i = 0; i < n; i++) {
    Entry* e = c.WriteKey(keys[i]);
    if (!e) continue;
    if (e->type != type) {
      if (retry) continue;
      c.WrongType();
      return Lookup::kError;
    }
    if (e->collection()->Length() == 0) continue;
    *idx = i;
    *out = e;
    return Lookup::kFound;
  }
  return Lookup::kNone;
}

// Nothing to serve: park the client, or inside EXEC reply the timeout value.
void BlockOrTimeout(CommandContext& c, const std::string_view* keys, int n, int64_t timeout_at_ms,
                    bool null_bulk_in_exec) {
  if (c.client.in_exec) {
    if (null_bulk_in_exec) {
      c.reply.Null();
    } else {
      c.reply.NullArray();
    }
    return;
  }
  // A retry that still finds nothing keeps the original deadline.
  if (IsRetry(c)) timeout_at_ms = c.client.block.timeout_at_ms;
  // Redis 7.0 answers every list/zset timeout (BLMOVE's too) with a null array.
  c.Block(keys, n, timeout_at_ms, true);
}

// ---------------------------------------------------------------------------
// Lists

// BLPOP/BRPOP key [key ...] timeout
void BlockingPop(CommandContext& c, ListWhere where) {
  int64_t timeout;
  if (!c.ParseBlockTimeout(c.argc - 1, &timeout)) return;
  const std::string_view* keys = c.argv + 1;
  const int n = c.argc - 2;
  int idx;
  Entry* e;
  switch (FirstReady(c, keys, n, kList, &idx, &e)) {
    case Lookup::kFound:
      ListPopGeneric(c, keys[idx], e, where, 1, ListPopReply::kKeyAndValue);
      return;
    case Lookup::kError:
      return;
    case Lookup::kNone:
      break;
  }
  BlockOrTimeout(c, keys, n, timeout, false);
}

void BlpopCommand(CommandContext& c) { BlockingPop(c, ListWhere::kHead); }
void BrpopCommand(CommandContext& c) { BlockingPop(c, ListWhere::kTail); }

// The source of BLMOVE/BRPOPLPUSH is argv[1], the destination argv[2].
void BlockingMove(CommandContext& c, ListWhere from, ListWhere to, int timeout_idx) {
  int64_t timeout;
  if (!c.ParseBlockTimeout(timeout_idx, &timeout)) return;
  int idx;
  Entry* e;
  switch (FirstReady(c, c.argv + 1, 1, kList, &idx, &e)) {
    case Lookup::kFound:
      ListMoveGeneric(c, c.arg(1), e, c.arg(2), from, to);
      return;
    case Lookup::kError:
      return;
    case Lookup::kNone:
      break;
  }
  BlockOrTimeout(c, c.argv + 1, 1, timeout, true);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BlmoveCommand(CommandContext& c) {
  ListWhere from, to;
  if (!ParseListWhere(c, 3, &from) || !ParseListWhere(c, 4, &to)) return;
  BlockingMove(c, from, to, 5);
}

// BRPOPLPUSH source destination timeout
void BrpoplpushCommand(CommandContext& c) { BlockingMove(c, ListWhere::kTail, ListWhere::kHead, 3); }

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BlmpopCommand(CommandContext& c) {
  ListMpopArgs args;
  if (!ParseListMpopArgs(c, 2, &args)) return;
  int64_t timeout;
  if (!c.ParseBlockTimeout(1, &timeout)) return;
  const int n = static_cast<int>(args.numkeys);
  int idx;
  Entry* e;
  switch (FirstReady(c, args.keys, n, kList, &idx, &e)) {
    case Lookup::kFound:
      ListPopGeneric(c, args.keys[idx], e, args.where, args.count, ListPopReply::kKeyAndArray);
      return;
    case Lookup::kError:
      return;
    case Lookup::kNone:
      break;
  }
  BlockOrTimeout(c, args.keys, n, timeout, false);
}

// ---------------------------------------------------------------------------
// Sorted sets

// Pops from the first non-empty zset of keys; count -1 is the BZPOPMIN/MAX
// shape [key, member, score], otherwise BZMPOP's [key, [[member, score] ...]].
void BlockingZpop(CommandContext& c, const std::string_view* keys, int n, ZWhere where, long count,
                  int64_t timeout) {
  int idx;
  Entry* e;
  switch (FirstReady(c, keys, n, kZSet, &idx, &e)) {
    case Lookup::kFound:
      ZPopGeneric(c, keys + idx, 1, where, true, count, count != -1, count != -1);
      return;
    case Lookup::kError:
      return;
    case Lookup::kNone:
      break;
  }
  BlockOrTimeout(c, keys, n, timeout, false);
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout
void BzpopGeneric(CommandContext& c, ZWhere where) {
  int64_t timeout;
  if (!c.ParseBlockTimeout(c.argc - 1, &timeout)) return;
  BlockingZpop(c, c.argv + 1, c.argc - 2, where, -1, timeout);
}

void BzpopminCommand(CommandContext& c) { BzpopGeneric(c, ZWhere::kMin); }
void BzpopmaxCommand(CommandContext& c) { BzpopGeneric(c, ZWhere::kMax); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void BzmpopCommand(CommandContext& c) {
  const int numkeys_idx = 2;
  long numkeys;
  if (!c.ParseRange(numkeys_idx, 1, LONG_MAX, &numkeys, "ERR numkeys should be greater than 0")) return;
  // where_idx = numkeys_idx + numkeys + 1 must be an argument (no overflow for huge numkeys).
  if (numkeys >= static_cast<long>(c.argc) - numkeys_idx - 1) {
    c.SyntaxError();
    return;
  }
  const int where_idx = numkeys_idx + static_cast<int>(numkeys) + 1;
  ZWhere where;
  if (c.Is(where_idx, "min")) {
    where = ZWhere::kMin;
  } else if (c.Is(where_idx, "max")) {
    where = ZWhere::kMax;
  } else {
    c.SyntaxError();
    return;
  }
  long count = -1;
  for (int j = where_idx + 1; j < c.argc; j++) {
    if (count == -1 && c.Is(j, "count") && j + 1 < c.argc) {
      j++;
      if (!c.ParseRange(j, 1, LONG_MAX, &count, "ERR count should be greater than 0")) return;
    } else {
      c.SyntaxError();
      return;
    }
  }
  if (count == -1) count = 1;
  int64_t timeout;
  if (!c.ParseBlockTimeout(1, &timeout)) return;
  BlockingZpop(c, c.argv + numkeys_idx + 1, static_cast<int>(numkeys), where, count, timeout);
}

}  // namespace

void RegisterBlockingCommands(CommandRegistry& r) {
  r.Add("blpop", BlpopCommand);
  r.Add("brpop", BrpopCommand);
  r.Add("blmove", BlmoveCommand);
  r.Add("brpoplpush", BrpoplpushCommand);
  r.Add("blmpop", BlmpopCommand);
  r.Add("bzpopmin", BzpopminCommand);
  r.Add("bzpopmax", BzpopmaxCommand);
  r.Add("bzmpop", BzmpopCommand);
}

}  // namespace tachyon
