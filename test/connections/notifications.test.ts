/**
 * Keyspace notifications (notify-keyspace-events): the c.Notify calls of the
 * native families and their publication by src/features/notifications.ts, compared
 * against a real redis-server 7.0.
 *
 * Each test enables a set of classes on both servers, PSUBSCRIBEs a second
 * connection on each to __key*__:*, runs a command script on the main
 * connection (whose replies are compared too) and, after every command,
 * collects what the subscriber received up to a PING barrier. The two
 * transcripts -- every command followed by the exact sequence of
 * (channel, message) pairs it caused -- must be identical: same events, same
 * classes, same order, keyspace before keyevent.
 *
 * Expiry: "expired" from active expiry is awaited explicitly (the cron is
 * asynchronous); lazy expiry runs with hz 1 so that the key is normally still
 * there when the command touches it. Either way the transcript is the same
 * (an actively expired key's event is collected at the next command's
 * barrier), so these tests do not depend on timing.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  DiffError,
  N,
  formatCommand,
  useDifferential,
  type Arg,
  type Differential,
  type Normalizer,
  type Session,
} from '../helpers/differential';
import { formatReply, sleep, type Reply, type RespClient } from '../helpers/resp';

const PATTERN = '__key*__:*';

/** A command on the main session (or `in`), its replies compared. */
interface CmdStep {
  cmd: Arg[];
  norm?: Normalizer | Normalizer[];
  /** Run on this session instead of the main one. */
  in?: Session;
  /** Before the barrier, wait until `lines` received lines contain `match` (active expiry). */
  waitFor?: { match: string; lines: number; timeoutMs?: number };
  /** Compare this step's lines as a set (several keys expiring in one cycle). */
  unordered?: boolean;
}
type NStep =
  | Arg[]
  | CmdStep
  | { sleep: number }
  /** Send on another session without reading the reply (a blocking command). */
  | { send: Arg[]; on: Session }
  /** Read and compare the reply of an earlier `send`. */
  | { reply: Session };

const text = (r: Reply | undefined): string | undefined =>
  r && (r.type === 'bulk' || r.type === 'simple') && r.value !== null ? r.value.toString() : undefined;

/** A received message as `"channel" "message"` (a RESP3 push is prefixed with >). */
function messageLine(r: Reply): string {
  if ((r.type === 'array' || r.type === 'push') && r.value && r.value.length === 4) {
    const [kind, pattern, channel, message] = r.value;
    if (text(kind) === 'pmessage' && text(pattern) === PATTERN) {
      return `${r.type === 'push' ? '>' : ''}${formatReply(channel)} ${formatReply(message)}`;
    }
  }
  return `unexpected: ${formatReply(r)}`;
}

const isPong = (r: Reply): boolean =>
  (r.type === 'array' && r.value?.length === 2 && text(r.value[0]) === 'pong') ||
  (r.type === 'simple' && r.value === 'PONG');

/** What the subscriber received since the last call: optionally wait for some lines, then PING as a barrier. */
async function collect(c: RespClient, wait?: CmdStep['waitFor']): Promise<string[]> {
  const lines: string[] = [];
  if (wait) {
    const deadline = Date.now() + (wait.timeoutMs ?? 3000);
    let seen = 0;
    while (seen < wait.lines) {
      const left = deadline - Date.now();
      if (left <= 0) {
        lines.push(`<timed out waiting for ${wait.lines} lines with "${wait.match}">`);
        break;
      }
      let r: Reply;
      try {
        r = await c.read(left);
      } catch (e) {
        lines.push(`<${(e as Error).message}>`);
        break;
      }
      const l = messageLine(r);
      lines.push(l);
      if (l.includes(wait.match)) seen++;
    }
  }
  c.send('PING');
  for (;;) {
    let r: Reply;
    try {
      r = await c.read(5000);
    } catch (e) {
      lines.push(`<${(e as Error).message}>`);
      break;
    }
    if (isPong(r)) break;
    lines.push(messageLine(r));
  }
  return lines;
}

async function setFlags(d: Differential, flags: string): Promise<void> {
  const { ref, target } = await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', flags);
  expect(formatReply(ref), 'redis CONFIG SET').toBe('+OK');
  expect(formatReply(target), 'tachyon CONFIG SET').toBe('+OK');
}

/** Enables `flags` and opens the subscriber session. */
async function watch(d: Differential, flags: string, protocol: 2 | 3 = 2): Promise<Session> {
  await setFlags(d, flags);
  const sub = await d.session({ protocol });
  await sub.setup(['PSUBSCRIBE', PATTERN]);
  return sub;
}

/**
 * Runs the script and compares the transcripts. `must` lists strings the
 * reference transcript has to contain (guards the script itself).
 */
async function run(d: Differential, sub: Session, steps: NStep[], must: string[] = []): Promise<void> {
  const ref: string[] = [];
  const tgt: string[] = [];
  const replyProblems: string[] = [];
  for (const step of steps) {
    if ('sleep' in step && !Array.isArray(step)) {
      await sleep(step.sleep);
      continue;
    }
    if ('send' in step && !Array.isArray(step)) {
      step.on.ref.send(...step.send);
      step.on.target.send(...step.send);
      ref.push(`(sent ${formatCommand(step.send)})`);
      tgt.push(`(sent ${formatCommand(step.send)})`);
      continue;
    }
    if ('reply' in step && !Array.isArray(step)) {
      const [r, t] = await Promise.all([step.reply.ref.read(), step.reply.target.read()]);
      ref.push(`(reply ${formatReply(r)})`);
      tgt.push(`(reply ${formatReply(t)})`);
      continue;
    }
    const spec: CmdStep = Array.isArray(step) ? { cmd: step } : (step as CmdStep);
    const session = spec.in ?? d.main;
    try {
      await session.check(spec.norm === undefined ? spec.cmd : { cmd: spec.cmd, norm: spec.norm });
    } catch (e) {
      if (!(e instanceof DiffError)) throw e;
      replyProblems.push(e.message);
    }
    const [r, t] = await Promise.all([collect(sub.ref, spec.waitFor), collect(sub.target, spec.waitFor)]);
    if (spec.unordered) {
      r.sort();
      t.sort();
    }
    const head = `> ${formatCommand(spec.cmd)}`;
    ref.push(head, ...r.map((l) => `    ${l}`));
    tgt.push(head, ...t.map((l) => `    ${l}`));
  }
  const refText = ref.join('\n');
  for (const m of must) expect(refText, `TEST BUG: redis's transcript lacks ${m}`).toContain(m);
  expect(tgt.join('\n')).toBe(refText);
  expect(replyProblems).toEqual([]);
}

// ---------------------------------------------------------------------------
// Scripts per family

const STRINGS: NStep[] = [
  ['SET', 'a', '1'],
  ['SET', 'a', '2', 'EX', '100'],
  ['SET', 'a', '3', 'KEEPTTL'],
  ['SET', 'b', '1', 'GET'],
  ['SET', 'b', '2', 'GET'],
  ['SET', 'b', '3', 'NX'],
  ['SET', 'nob', '3', 'XX'],
  ['SET', 'c', 'v', 'PXAT', '99999999999999'],
  ['SETNX', 'a', 'x'],
  ['SETNX', 'd', 'x'],
  ['SETEX', 'e', '10', 'v'],
  ['PSETEX', 'e', '10000', 'w'],
  ['GETEX', 'e'],
  ['GETEX', 'e', 'EX', '20'],
  ['GETEX', 'e', 'PERSIST'],
  ['GETEX', 'e', 'PERSIST'],
  ['GETEX', 'e', 'PXAT', '1'],
  ['GETEX', 'nokey', 'EX', '5'],
  ['SET', 'f', 'v'],
  ['GETDEL', 'f'],
  ['GETDEL', 'f'],
  ['GETSET', 'a', '5'],
  ['GETSET', 'g', '5'],
  ['MSET', 'x', '1', 'y', '2', 'x', '3'],
  ['MSETNX', 'x', '1', 'z', '2'],
  ['MSETNX', 'z', '1', 'w', '2'],
  ['INCR', 'i'],
  ['INCRBY', 'i', '10'],
  ['DECR', 'i'],
  ['DECRBY', 'i', '3'],
  ['INCR', 'a'],
  ['INCR', 'b'],
  ['INCRBYFLOAT', 'fl', '1.5'],
  ['INCRBYFLOAT', 'fl', 'abc'],
  ['APPEND', 's', 'hello'],
  ['APPEND', 's', ' world'],
  ['APPEND', 'i', '0'],
  ['SETRANGE', 's', '1', 'EL'],
  ['SETRANGE', 's', '3', ''],
  ['SETRANGE', 'sr', '0', ''],
  ['SETRANGE', 'sr', '3', 'x'],
  ['GET', 'a'],
  ['MGET', 'a', 'nokey'],
  ['STRLEN', 's'],
  ['GETRANGE', 's', '0', '3'],
  ['LCS', 's', 'sr'],
  ['SET', 'l', 'v'],
  ['LPUSH', 'l', 'x'],
];

const GENERIC: NStep[] = [
  ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
  ['DEL', 'a', 'nokey', 'b'],
  ['UNLINK', 'c', 'nokey'],
  ['DEL', 'nokey'],
  ['EXPIRE', 'd', '100'],
  ['EXPIRE', 'd', '200', 'NX'],
  ['PEXPIRE', 'd', '300000', 'XX'],
  ['EXPIRE', 'd', '10', 'GT'],
  ['EXPIRE', 'd', '10', 'LT'],
  ['EXPIREAT', 'd', '99999999999'],
  ['PEXPIREAT', 'd', '99999999999999'],
  ['PERSIST', 'd'],
  ['PERSIST', 'd'],
  ['PERSIST', 'nokey'],
  ['EXPIRE', 'nokey', '10'],
  ['EXPIRE', 'd', '-1'],
  ['SET', 'd', '1'],
  ['PEXPIREAT', 'd', '1'],
  ['SET', 'e', '1'],
  ['EXPIREAT', 'e', '0'],
  ['MSET', 'a', '1', 'b', '2'],
  ['PEXPIRE', 'a', '100000'],
  ['RENAME', 'a', 'b'],
  ['PTTL', 'b'],
  ['RENAME', 'b', 'b'],
  ['RENAMENX', 'b', 'b'],
  ['RENAME', 'b', 'c'],
  ['SET', 'a', '1'],
  ['RENAMENX', 'a', 'c'],
  ['RENAMENX', 'a', 'n'],
  ['RENAME', 'nokey', 'x'],
  ['RPUSH', 'list', 'a'],
  ['RENAME', 'list', 'list2'],
  ['COPY', 'n', 'c'],
  ['COPY', 'n', 'c', 'REPLACE'],
  ['COPY', 'n', 'fresh'],
  ['COPY', 'n', 'other', 'DB', '2'],
  ['COPY', 'n', 'other', 'DB', '2'],
  ['COPY', 'nokey', 'x'],
  ['MOVE', 'n', '3'],
  ['MOVE', 'fresh', '2'],
  ['MOVE', 'nokey', '2'],
  ['SELECT', '3'],
  ['SET', 'n3', 'v'],
  ['DEL', 'n'],
  ['MOVE', 'n3', '0'],
  ['SELECT', '0'],
  ['TOUCH', 'n3', 'nokey'],
  ['EXISTS', 'n3', 'nokey'],
  ['TYPE', 'n3'],
  ['SWAPDB', '0', '2'],
  ['DEL', 'other'],
  ['SWAPDB', '0', '2'],
  ['FLUSHDB'],
  ['SET', 'k', 'v'],
  ['SELECT', '5'],
  ['SET', 'k5', 'v'],
  ['FLUSHALL'],
  ['SET', 'k5', 'v'],
  ['SELECT', '0'],
];

const LISTS: NStep[] = [
  ['LPUSH', 'l', 'a', 'b', 'c'],
  ['RPUSH', 'l', 'd'],
  ['LPUSHX', 'l', 'e'],
  ['RPUSHX', 'l', 'f'],
  ['LPUSHX', 'nol', 'e'],
  ['RPUSHX', 'nol', 'e'],
  ['LINSERT', 'l', 'BEFORE', 'a', 'x'],
  ['LINSERT', 'l', 'AFTER', 'a', 'y'],
  ['LINSERT', 'l', 'BEFORE', 'zz', 'x'],
  ['LINSERT', 'nol', 'BEFORE', 'a', 'x'],
  ['LSET', 'l', '0', 'first'],
  ['LSET', 'l', '100', 'x'],
  ['LREM', 'l', '1', 'x'],
  ['LREM', 'l', '0', 'nothere'],
  ['LTRIM', 'l', '0', '-1'],
  ['LTRIM', 'l', '0', '3'],
  ['LTRIM', 'nol', '0', '3'],
  ['LPOP', 'l'],
  ['RPOP', 'l'],
  ['LPOP', 'l', '0'],
  ['RPOP', 'l', '2'],
  ['LPOP', 'nol'],
  ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
  ['LPOP', 'l', '10'],
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
  ['LMOVE', 'l', 'l2', 'RIGHT', 'LEFT'],
  ['RPOPLPUSH', 'l2', 'l2'],
  ['LMOVE', 'l2', 'l2', 'LEFT', 'RIGHT'],
  ['RPOPLPUSH', 'l', 'l3'],
  ['RPOPLPUSH', 'nol', 'l3'],
  ['LMOVE', 'l3', 'l2', 'LEFT', 'LEFT'],
  ['LMPOP', '2', 'nol', 'l2', 'RIGHT', 'COUNT', '2'],
  ['LMPOP', '1', 'l2', 'LEFT', 'COUNT', '5'],
  ['LMPOP', '1', 'l2', 'LEFT'],
  ['RPUSH', 'l', 'a'],
  ['LREM', 'l', '0', 'a'],
  ['RPUSH', 'l', 'a', 'b'],
  ['LTRIM', 'l', '5', '10'],
  ['RPUSH', 'l', 'a', 'b'],
  ['BLPOP', 'nol', 'l', '0'],
  ['BRPOP', 'l', '0'],
  ['RPUSH', 'l', 'a', 'b'],
  ['BLMOVE', 'l', 'l4', 'RIGHT', 'LEFT', '0'],
  ['BRPOPLPUSH', 'l', 'l4', '0'],
  ['BLMPOP', '0', '1', 'l4', 'LEFT', 'COUNT', '1'],
  ['LRANGE', 'l4', '0', '-1'],
  ['LLEN', 'l4'],
  ['LINDEX', 'l4', '0'],
  ['LPOS', 'l4', 'a'],
  ['SET', 's', 'v'],
  ['LPUSH', 's', 'x'],
  ['RPOPLPUSH', 'l4', 's'],
];

const HASHES: NStep[] = [
  ['HSET', 'h', 'a', '1', 'b', '2'],
  ['HSET', 'h', 'a', '1'],
  ['HMSET', 'h', 'c', '3'],
  ['HSETNX', 'h', 'a', '9'],
  ['HSETNX', 'h', 'd', '4'],
  ['HSETNX', 'h2', 'a', '1'],
  ['HDEL', 'h', 'zz'],
  ['HDEL', 'nokey', 'zz'],
  ['HDEL', 'h', 'a', 'b', 'a'],
  ['HINCRBY', 'h', 'c', '2'],
  ['HINCRBY', 'h3', 'c', '2'],
  ['HINCRBY', 'h', 'c', 'x'],
  ['HINCRBYFLOAT', 'h', 'c', '1.5'],
  ['HINCRBYFLOAT', 'h4', 'c', '1.5'],
  ['HINCRBYFLOAT', 'h', 'c', 'nan'],
  ['HSET', 'h', 's', 'str'],
  ['HINCRBY', 'h', 's', '1'],
  ['HDEL', 'h', 'c', 'd', 's'],
  ['HGET', 'h2', 'a'],
  ['HGETALL', 'h2'],
  ['HDEL', 'h2', 'a'],
  ['SET', 'str', 'v'],
  ['HSET', 'str', 'a', '1'],
];

const SETS: NStep[] = [
  ['SADD', 's', '1', '2', '3'],
  ['SADD', 's', '1'],
  ['SADD', 's', 'a'],
  ['SREM', 's', 'zz'],
  ['SREM', 'nokey', 'zz'],
  ['SREM', 's', 'a', '1'],
  ['SMOVE', 's', 's2', '2'],
  ['SMOVE', 's', 's2', 'zz'],
  ['SMOVE', 'nokey', 's2', 'zz'],
  ['SADD', 's2', '3'],
  ['SMOVE', 's', 's2', '3'],
  ['SADD', 's', 'x'],
  ['SMOVE', 's', 's', 'x'],
  ['SMOVE', 's', 's', 'y'],
  ['SMOVE', 's', 's3', 'x'],
  ['SADD', 'p', '1', '2', '3', '4', '5'],
  { cmd: ['SPOP', 'p'], norm: N.shape },
  { cmd: ['SPOP', 'p', '2'], norm: N.shape },
  ['SPOP', 'p', '0'],
  ['SPOP', 'nokey', '2'],
  ['SPOP', 'nokey'],
  { cmd: ['SPOP', 'p', '10'], norm: N.shape },
  ['SADD', 'p', 'x'],
  ['SPOP', 'p'],
  ['SADD', 'p', 'x', 'y'],
  { cmd: ['SPOP', 'p', '2'], norm: N.sorted },
  ['SADD', 'a', '1', '2', '3'],
  ['SADD', 'b', '2', '3', '4'],
  ['SINTERSTORE', 'd1', 'a', 'b'],
  ['SUNIONSTORE', 'd2', 'a', 'b'],
  ['SDIFFSTORE', 'd3', 'a', 'b'],
  ['SINTERSTORE', 'd1', 'a', 'b'],
  ['SINTERSTORE', 'd1', 'a', 'nokey'],
  ['SINTERSTORE', 'd9', 'a', 'nokey'],
  ['SDIFFSTORE', 'd2', 'a', 'a'],
  ['SDIFFSTORE', 'd3', 'nokey', 'a'],
  ['SUNIONSTORE', 'a', 'a', 'b'],
  ['SINTERCARD', '2', 'a', 'b'],
  ['SINTER', 'a', 'b'],
  ['SISMEMBER', 'a', '1'],
  ['SADD', 'i', '1', '2', '3'],
  ['SREM', 'i', '1', '2', '3'],
  ['SET', 'str', 'v'],
  ['SADD', 'str', 'a'],
  ['SINTERSTORE', 'd4', 'a', 'str'],
];

const ZSETS: NStep[] = [
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
  ['ZADD', 'z', '1', 'a'],
  ['ZADD', 'z', '5', 'a'],
  ['ZADD', 'z', 'NX', '9', 'a'],
  ['ZADD', 'z', 'XX', '9', 'nope'],
  ['ZADD', 'z', 'CH', '9', 'a'],
  ['ZADD', 'z', 'INCR', '1', 'a'],
  ['ZADD', 'z', 'XX', 'INCR', '1', 'nope'],
  ['ZADD', 'z', 'GT', '1', 'a'],
  ['ZADD', 'z', 'LT', '1', 'a'],
  ['ZADD', 'noz', 'XX', '1', 'a'],
  ['ZINCRBY', 'z', '1', 'b'],
  ['ZINCRBY', 'z2', '1', 'b'],
  ['ZADD', 'z', 'INCR', '+inf', 'c'],
  ['ZADD', 'z', 'INCR', '-inf', 'c'],
  ['ZREM', 'z', 'nope'],
  ['ZREM', 'z', 'a', 'nope'],
  ['ZREM', 'z2', 'b'],
  ['ZADD', 'z', '1', 'a', '4', 'd', '5', 'e'],
  ['ZREMRANGEBYSCORE', 'z', '100', '200'],
  ['ZREMRANGEBYSCORE', 'z', '1', '1'],
  ['ZREMRANGEBYRANK', 'z', '10', '20'],
  ['ZREMRANGEBYRANK', 'z', '0', '0'],
  ['ZADD', 'lz', '0', 'a', '0', 'b', '0', 'c'],
  ['ZREMRANGEBYLEX', 'lz', '[x', '[y'],
  ['ZREMRANGEBYLEX', 'lz', '[a', '[b'],
  ['ZREMRANGEBYLEX', 'lz', '-', '+'],
  ['ZPOPMIN', 'z'],
  ['ZPOPMAX', 'z', '2'],
  ['ZPOPMIN', 'z', '0'],
  ['ZPOPMIN', 'noz'],
  ['ZPOPMAX', 'z', '10'],
  ['ZADD', 'z', '1', 'a', '2', 'b'],
  ['ZADD', 'y', '2', 'b', '3', 'c'],
  ['ZUNIONSTORE', 'u', '2', 'z', 'y'],
  ['ZINTERSTORE', 'in', '2', 'z', 'y'],
  ['ZDIFFSTORE', 'df', '2', 'z', 'y'],
  ['ZUNIONSTORE', 'u', '2', 'z', 'y', 'WEIGHTS', '2', '3'],
  ['ZINTERSTORE', 'in', '2', 'z', 'noz'],
  ['ZINTERSTORE', 'in9', '2', 'z', 'noz'],
  ['ZDIFFSTORE', 'df', '2', 'z', 'z'],
  ['ZRANGESTORE', 'rs', 'z', '0', '-1'],
  ['ZRANGESTORE', 'rs', 'z', '0', '0'],
  ['ZRANGESTORE', 'rs', 'z', '5', '10'],
  ['ZRANGESTORE', 'rs2', 'noz', '0', '-1'],
  ['ZMPOP', '2', 'noz', 'z', 'MIN', 'COUNT', '1'],
  ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '5'],
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
  ['BZPOPMIN', 'noz', 'z', '0'],
  ['BZPOPMAX', 'z', '0'],
  ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '3'],
  ['ZADD', 'z', '1', 'a', '2', 'b'],
  ['ZREMRANGEBYRANK', 'z', '0', '-1'],
  ['ZSCORE', 'y', 'b'],
  ['ZRANGE', 'y', '0', '-1'],
  ['SET', 'str', 'v'],
  ['ZADD', 'str', '1', 'a'],
];

const SORT: NStep[] = [
  ['RPUSH', 'l', '3', '1', '2'],
  ['SORT', 'l', 'STORE', 'out'],
  ['SORT', 'l', 'STORE', 'out'],
  ['SORT', 'l'],
  ['SORT', 'l', 'BY', 'nosort', 'STORE', 'out'],
  ['SORT', 'nokey', 'STORE', 'out'],
  ['SORT', 'nokey', 'STORE', 'out2'],
  ['SADD', 's', 'b', 'a'],
  ['SORT', 's', 'ALPHA', 'STORE', 's'],
];

/** One script touching every family, for the class subsets. */
const MIXED: NStep[] = [
  ['SET', 'str', 'v'],
  ['SET', 'str', 'w', 'EX', '100'],
  ['INCR', 'cnt'],
  ['APPEND', 'str', 'x'],
  ['GET', 'nokey'],
  ['MGET', 'str', 'nokey2'],
  ['RPUSH', 'l', 'a', 'b'],
  ['LPOP', 'l'],
  ['LMOVE', 'l', 'l2', 'LEFT', 'LEFT'],
  ['LRANGE', 'nol', '0', '-1'],
  ['HSET', 'h', 'f', 'v'],
  ['HINCRBY', 'h', 'n', '1'],
  ['HDEL', 'h', 'f', 'n'],
  ['HGET', 'noh', 'f'],
  ['SADD', 's', 'a', 'b'],
  ['SREM', 's', 'a'],
  ['SUNIONSTORE', 's2', 's', 'nos'],
  ['SMEMBERS', 'nos'],
  ['ZADD', 'z', '1', 'a'],
  ['ZINCRBY', 'z', '1', 'a'],
  ['ZPOPMIN', 'z'],
  ['ZSCORE', 'noz', 'a'],
  ['EXPIRE', 'str', '50'],
  ['PERSIST', 'str'],
  ['RENAME', 'str', 'str2'],
  ['COPY', 'str2', 'str3'],
  ['MOVE', 'str3', '1'],
  ['EXPIRE', 'cnt', '-1'],
  ['DEL', 'str2', 'l2'],
  ['EXISTS', 'str2'],
  ['SET', 'e', 'v', 'PX', '20'],
  { sleep: 60 },
  ['GET', 'e'],
];

// ---------------------------------------------------------------------------

describe('keyspace notifications', () => {
  const d = useDifferential({ protocol: 2 });

  test('strings (KEA)', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, STRINGS, [
      '"set"',
      '"expire"',
      '"incrby"',
      '"incrbyfloat"',
      '"append"',
      '"setrange"',
      '"persist"',
      '"del"',
    ]);
  });

  test('generic (KEA): DEL EXPIRE PERSIST RENAME COPY MOVE, several dbs, nothing from FLUSH*/SWAPDB', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, GENERIC, [
      'rename_from',
      'rename_to',
      'copy_to',
      'move_from',
      'move_to',
      '__keyspace@3__',
      '__keyevent@2__',
    ]);
  });

  test('lists (KEA), blocking pops served at once included', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, LISTS, [
      '"lpush"',
      '"rpush"',
      '"linsert"',
      '"lset"',
      '"lrem"',
      '"ltrim"',
      '"lpop"',
      '"rpop"',
    ]);
  });

  test('hashes (KEA)', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, HASHES, ['"hset"', '"hdel"', '"hincrby"', '"hincrbyfloat"']);
  });

  test('sets (KEA)', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, SETS, ['"sadd"', '"srem"', '"spop"', '"sinterstore"', '"sunionstore"', '"sdiffstore"']);
  });

  test('sorted sets (KEA), blocking pops served at once included', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, ZSETS, [
      '"zadd"',
      '"zincr"',
      '"zrem"',
      '"zremrangebyscore"',
      '"zremrangebyrank"',
      '"zremrangebylex"',
      '"zpopmin"',
      '"zpopmax"',
      '"zunionstore"',
      '"zinterstore"',
      '"zdiffstore"',
      '"zrangestore"',
    ]);
  });

  test('SORT ... STORE (KEA)', async () => {
    const sub = await watch(d, 'KEA');
    await run(d, sub, SORT, ['"sortstore"']);
  });

  test('every family with K and E together, KEA plus m and n', async () => {
    const sub = await watch(d, 'KEAmn');
    const flush: NStep[] = [['FLUSHALL']];
    await run(d, sub, [...STRINGS, ...flush, ...LISTS, ...flush, ...HASHES, ...flush, ...SETS, ...flush, ...ZSETS], [
      '"new"',
      '"keymiss"',
    ]);
  });

  test.each(['Kl', 'Eg$', 'Ex', 'Km', 'En', 'K$', 'Eh', 'Ks', 'Kz', 'KEg', 'KA', 'EA', 'Kxn', 'A', 'mn', ''])(
    'class subset %j',
    async (flags) => {
      const sub = await watch(d, flags);
      await run(d, sub, MIXED);
    },
  );

  test('"new" (En): dbAdd in every family, never on overwrite', async () => {
    const sub = await watch(d, 'En');
    await run(
      d,
      sub,
      [
        ['SET', 'a', '1'],
        ['SET', 'a', '2'],
        ['SET', 'b', '1', 'NX', 'GET'],
        ['SETNX', 'c', '1'],
        ['SETEX', 'd', '10', 'v'],
        ['MSET', 'e', '1', 'a', '3', 'f', '2'],
        ['MSETNX', 'g', '1', 'h', '2'],
        ['GETSET', 'i', '1'],
        ['INCR', 'j'],
        ['DECRBY', 'k', '2'],
        ['INCRBYFLOAT', 'l', '2'],
        ['APPEND', 'm', 'x'],
        ['SETRANGE', 'n', '2', 'x'],
        ['SETRANGE', 'o', '2', ''],
        ['LPUSH', 'list', 'a'],
        ['RPUSH', 'list', 'b'],
        ['LPUSHX', 'list2', 'a'],
        ['LMOVE', 'list', 'list2', 'LEFT', 'LEFT'],
        ['RPOPLPUSH', 'list', 'list3'],
        ['HSET', 'hash', 'f', 'v'],
        ['HSETNX', 'hash2', 'f', 'v'],
        ['HINCRBY', 'hash3', 'f', '1'],
        ['HINCRBYFLOAT', 'hash4', 'f', '1'],
        ['SADD', 'set', 'a', 'b'],
        ['SMOVE', 'set', 'set2', 'a'],
        ['SUNIONSTORE', 'set3', 'set', 'set2'],
        ['SUNIONSTORE', 'set3', 'set', 'set2'],
        ['SINTERSTORE', 'set4', 'set', 'set'],
        ['SDIFFSTORE', 'set5', 'set', 'set2'],
        ['ZADD', 'zset', '1', 'a'],
        ['ZADD', 'zset2', 'XX', '1', 'a'],
        ['ZINCRBY', 'zset3', '1', 'a'],
        ['ZUNIONSTORE', 'zset4', '1', 'zset'],
        ['ZINTERSTORE', 'zset5', '1', 'zset'],
        ['ZDIFFSTORE', 'zset6', '1', 'zset'],
        ['ZRANGESTORE', 'zset7', 'zset', '0', '-1'],
        ['ZRANGESTORE', 'zset7', 'zset', '0', '-1'],
        ['SORT', 'set', 'ALPHA', 'STORE', 'sorted'],
        ['SORT', 'set', 'ALPHA', 'STORE', 'sorted'],
        ['SET', 'gone', 'v', 'PX', '1'],
        { sleep: 20 },
        ['SORT', 'set', 'ALPHA', 'STORE', 'gone'],
        ['RENAME', 'a', 'ren'],
        ['RENAME', 'ren', 'b'],
        ['COPY', 'b', 'cp'],
        ['COPY', 'b', 'cp', 'REPLACE'],
        ['COPY', 'b', 'cp', 'DB', '4'],
        ['MOVE', 'cp', '5'],
      ],
      ['__keyevent@0__:new', '__keyevent@4__:new', '__keyevent@5__:new'],
    );
  });

  test('"keymiss" (Km): read lookups of missing keys only', async () => {
    const sub = await watch(d, 'Km');
    const miss = (i: number) => `miss${i}`;
    let i = 0;
    await run(
      d,
      sub,
      [
        ['SET', 'str', 'v'],
        ['SADD', 'set', 'a'],
        ['ZADD', 'zset', '1', 'a'],
        ['RPUSH', 'list', 'a'],
        ['GET', miss(i++)],
        ['GET', 'str'],
        ['MGET', miss(i++), 'str', miss(i++)],
        ['STRLEN', miss(i++)],
        ['GETRANGE', miss(i++), '0', '1'],
        ['SUBSTR', miss(i++), '0', '1'],
        ['GETEX', miss(i++), 'PERSIST'],
        ['GETDEL', miss(i++)],
        ['SET', miss(i++), 'v', 'GET'],
        ['LCS', miss(i++), 'str'],
        ['EXISTS', miss(i++), 'str'],
        ['TYPE', miss(i++)],
        ['TTL', miss(i++)],
        ['PTTL', miss(i++)],
        ['EXPIRETIME', miss(i++)],
        ['PEXPIRETIME', miss(i++)],
        ['TOUCH', miss(i++)],
        ['COPY', miss(i++), 'x'],
        ['OBJECT', 'ENCODING', miss(i++)],
        ['OBJECT', 'REFCOUNT', miss(i++)],
        ['OBJECT', 'IDLETIME', miss(i++)],
        ['LRANGE', miss(i++), '0', '-1'],
        ['LLEN', miss(i++)],
        ['LINDEX', miss(i++), '0'],
        ['LPOS', miss(i++), 'a'],
        ['HGET', miss(i++), 'a'],
        ['HMGET', miss(i++), 'a'],
        ['HGETALL', miss(i++)],
        ['HKEYS', miss(i++)],
        ['HVALS', miss(i++)],
        ['HLEN', miss(i++)],
        ['HSTRLEN', miss(i++), 'a'],
        ['HEXISTS', miss(i++), 'a'],
        ['HRANDFIELD', miss(i++), '2'],
        ['HSCAN', miss(i++), '0'],
        ['SCARD', miss(i++)],
        ['SMEMBERS', miss(i++)],
        ['SISMEMBER', miss(i++), 'a'],
        ['SMISMEMBER', miss(i++), 'a'],
        ['SRANDMEMBER', miss(i++)],
        ['SRANDMEMBER', miss(i++), '2'],
        ['SSCAN', miss(i++), '0'],
        ['SINTER', miss(i++), 'set'],
        ['SINTER', miss(i++), 'str'],
        ['SUNION', 'set', miss(i++)],
        ['SDIFF', miss(i++), 'set'],
        ['SINTERCARD', '2', 'set', miss(i++)],
        ['SINTERSTORE', 'dst', 'set', miss(i++)],
        ['SUNIONSTORE', 'dst', 'set', miss(i++)],
        ['SDIFFSTORE', 'dst', miss(i++), 'set'],
        ['ZSCORE', miss(i++), 'a'],
        ['ZMSCORE', miss(i++), 'a'],
        ['ZRANGE', miss(i++), '0', '-1'],
        ['ZRANGEBYSCORE', miss(i++), '0', '1'],
        ['ZREVRANGEBYLEX', miss(i++), '+', '-'],
        ['ZCARD', miss(i++)],
        ['ZCOUNT', miss(i++), '0', '1'],
        ['ZLEXCOUNT', miss(i++), '-', '+'],
        ['ZRANK', miss(i++), 'a'],
        ['ZREVRANK', miss(i++), 'a'],
        ['ZRANDMEMBER', miss(i++)],
        ['ZSCAN', miss(i++), '0'],
        ['ZUNION', '2', 'zset', miss(i++)],
        ['ZINTER', '2', 'zset', miss(i++)],
        ['ZDIFF', '2', 'zset', miss(i++)],
        ['ZINTERCARD', '2', 'zset', miss(i++)],
        ['ZUNIONSTORE', 'dst', '2', 'zset', miss(i++)],
        ['ZRANGESTORE', 'dst', miss(i++), '0', '-1'],
        ['SORT', miss(i++)],
        ['SORT_RO', miss(i++)],
        ['SORT', miss(i++), 'STORE', 'dst'],
        // Write lookups never report a miss.
        ['DEL', miss(i++)],
        ['EXPIRE', miss(i++), '10'],
        ['PERSIST', miss(i++)],
        ['RENAME', miss(i++), 'x'],
        ['MOVE', miss(i++), '1'],
        ['LPOP', miss(i++)],
        ['LPUSHX', miss(i++), 'a'],
        ['RPOPLPUSH', miss(i++), 'x'],
        ['HDEL', miss(i++), 'a'],
        ['SREM', miss(i++), 'a'],
        ['SPOP', miss(i++)],
        ['SMOVE', miss(i++), 'set', 'a'],
        ['ZREM', miss(i++), 'a'],
        ['ZPOPMIN', miss(i++)],
        ['ZADD', miss(i++), 'XX', '1', 'a'],
        ['INCR', miss(i++)],
        ['SET', miss(i++), 'v', 'XX'],
        ['BLPOP', miss(i++), 'list', '0'],
      ],
      ['"keymiss"'],
    );
  });

  test('active expiry: "expired" from the cron (Ex, KEA), in several databases', async () => {
    const sub = await watch(d, 'KEA');
    await run(
      d,
      sub,
      [
        ['SET', 'k', 'v'],
        { cmd: ['PEXPIRE', 'k', '1'], waitFor: { match: 'expired', lines: 2 } },
        { cmd: ['SET', 'k2', 'v', 'PX', '1'], waitFor: { match: 'expired', lines: 2 } },
        ['SELECT', '6'],
        ['RPUSH', 'l', 'a'],
        { cmd: ['PEXPIRE', 'l', '1'], waitFor: { match: 'expired', lines: 2 } },
        ['SELECT', '0'],
        ['MSET', 'a', '1', 'b', '2', 'c', '3'],
        // One EXEC sets the three TTLs, so every event falls in its step.
        ['MULTI'],
        ['PEXPIRE', 'a', '1'],
        ['PEXPIRE', 'b', '1'],
        ['PEXPIRE', 'c', '1'],
        { cmd: ['EXEC'], waitFor: { match: 'expired', lines: 6 }, unordered: true },
        ['DBSIZE'],
      ],
      ['__keyevent@6__:expired'],
    );
    const sub2 = await watch(d, 'Ex');
    await run(d, sub2, [{ cmd: ['SET', 'k', 'v', 'PX', '1'], waitFor: { match: 'expired', lines: 1 } }], ['expired']);
  });

  test('blocked clients served by a later push: events in Redis order', async () => {
    const sub = await watch(d, 'KEAn');
    const b = await d.session();
    await run(
      d,
      sub,
      [
        { send: ['BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0'], on: b },
        { sleep: 50 },
        ['RPUSH', 'src', 'x'],
        { reply: b },
        { send: ['BLPOP', 'l', '0'], on: b },
        { sleep: 50 },
        ['LPUSH', 'l', 'a', 'b'],
        { reply: b },
        { send: ['BZPOPMAX', 'z', '0'], on: b },
        { sleep: 50 },
        ['ZADD', 'z', '1', 'a'],
        { reply: b },
        { send: ['BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '5'], on: b },
        { sleep: 50 },
        ['MULTI'],
        ['RPUSH', 'm', 'a'],
        ['RPUSH', 'm', 'b'],
        ['EXEC'],
        { reply: b },
        { send: ['BRPOPLPUSH', 'src', 'src', '0'], on: b },
        { sleep: 50 },
        ['LPUSH', 'src', 'y'],
        { reply: b },
      ],
      ['"lpush"', '"zpopmax"'],
    );
  });

  test('MULTI/EXEC: the queued commands notify when EXEC runs them', async () => {
    const sub = await watch(d, 'KEAmn');
    await run(d, sub, [
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCR', 'a'],
      ['GET', 'nokey'],
      ['LPUSH', 'l', 'x'],
      ['DEL', 'a', 'l'],
      ['EXEC'],
    ]);
  });

  test('binary key names and a RESP3 subscriber (push messages)', async () => {
    const sub = await watch(d, 'KEA', 3);
    await run(
      d,
      sub,
      [
        ['SET', Buffer.from([0, 0xff, 0x0d, 0x0a, 0x20]), 'v'],
        ['SET', 'spaced key', 'v'],
        ['HSET', Buffer.from('h\u00e9', 'utf8'), 'f', 'v'],
        ['DEL', Buffer.from([0, 0xff, 0x0d, 0x0a, 0x20]), 'spaced key'],
      ],
      ['>"__keyspace@0__:spaced key" "set"'],
    );
  });

  test('CONFIG SET notify-keyspace-events takes effect at once', async () => {
    const sub = await watch(d, '');
    await run(d, sub, [
      ['SET', 'a', '1'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'K$'],
      ['SET', 'a', '2'],
      ['DEL', 'a'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Eg'],
      ['SET', 'a', '2'],
      ['DEL', 'a'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'gE$K'],
      ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['SET', 'a', '2'],
      ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['DEL', 'a'],
    ]);
  });

  // Redis writes a notification for the client that caused it into that
  // client's reply stream, ahead of the command's reply. (Within one pipelined
  // batch Tachyon sends the batch's events before all of its replies.)
  test('a subscribed client is told about its own commands (RESP3)', async () => {
    await setFlags(d, 'KEA');
    const s = await d.session({ protocol: 3 });
    await s.setup(['SUBSCRIBE', '__keyevent@0__:set']);
    // The message is part of the reply stream, before the command's reply.
    s.ref.send('SET', 'k', 'v');
    s.target.send('SET', 'k', 'v');
    s.ref.send('PING');
    s.target.send('PING');
    const read3 = async (c: RespClient) => {
      const out: string[] = [];
      for (let i = 0; i < 3; i++) out.push(formatReply(await c.read(1000)));
      return out;
    };
    const [r, t] = await Promise.all([read3(s.ref), read3(s.target)]);
    expect(r).toEqual(['>["message", "__keyevent@0__:set", "k"]', '+OK', '+PONG']);
    expect(t).toEqual(r);
  });
});

describe('keyspace notifications: lazy expiry (hz 1)', () => {
  const d = useDifferential({ protocol: 2, config: { hz: 1, 'enable-debug-command': 'yes' } });
  // Only lazy expiry: an active cycle during a wait (rare at hz 1, not under
  // load) would put its "expired" before the access in the transcript.
  beforeAll(() => d.adminCall('DEBUG', 'SET-ACTIVE-EXPIRE', '0'));

  /**
   * Creates a key that expires 20 ms later, waits for that, then touches it
   * with `access`, whose lazy expiry raises the "expired" event.
   */
  const expired = (key: string, create: Arg[], access: NStep): NStep[] => [
    create,
    ['PEXPIRE', key, '20'],
    { sleep: 50 },
    access,
  ];

  test.each(['KEA', 'KEAmn', 'Ex', 'Km'])('reads, writes and scans of expired keys (%j)', async (flags) => {
    const sub = await watch(d, flags);
    await run(d, sub, [
      ...expired('a', ['SET', 'a', '1'], ['GET', 'a']),
      ...expired('b', ['SET', 'b', '1'], ['SET', 'b', '2']),
      ...expired('c', ['RPUSH', 'c', 'x'], ['LPUSH', 'c', 'y']),
      ...expired('d', ['HSET', 'd', 'f', 'v'], ['HGET', 'd', 'f']),
      ...expired('e', ['SADD', 'e', 'm'], ['SMEMBERS', 'e']),
      ...expired('f', ['ZADD', 'f', '1', 'm'], ['ZADD', 'f', '2', 'n']),
      ...expired('g', ['SET', 'g', '1'], ['EXISTS', 'g']),
      ...expired('h', ['SET', 'h', '1'], ['DEL', 'h']),
      ...expired('i', ['SET', 'i', '1'], ['OBJECT', 'ENCODING', 'i']),
      ...expired('j', ['SET', 'j', '1'], ['TTL', 'j']),
      ...expired('k', ['SET', 'k', '1'], ['RENAME', 'k', 'x']),
      ...expired('l', ['SET', 'l', '1'], ['EXPIRE', 'l', '100']),
      ...expired('m', ['SET', 'm', '1'], ['INCR', 'm']),
      ...expired('n', ['RPUSH', 'n', 'x'], ['LPOP', 'n']),
      ...expired('o', ['SET', 'o', '1'], ['MGET', 'o', 'b']),
      ...expired('p', ['SET', 'p', '1'], ['COPY', 'p', 'p2']),
      ...expired('s', ['SET', 's', '1'], { cmd: ['SCAN', '0'], norm: N.at(1, N.sorted) }),
      ['FLUSHALL'],
      ...expired('q', ['SET', 'q', '1'], ['RANDOMKEY']),
    ]);
  });
});
