/**
 * The one integer parser of the TypeScript side: Redis's string2ll(), the
 * rule every integer argument follows (CLIENT ids, timeouts, HELLO's
 * protocol version, config values). Strict decimal: optional '-', no '+',
 * no spaces, no leading zeros ("-0" is rejected), at most 20 characters,
 * within a signed 64-bit integer. Arguments arrive as Buffers and are read
 * as latin1, so a byte outside ASCII is never a digit.
 */

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** The value, or null when `s` is not a canonical 64-bit integer. */
export function string2ll(s: string | Buffer): bigint | null {
  const t = typeof s === 'string' ? s : s.toString('latin1');
  if (t.length === 0 || t.length > 20) return null;
  if (t === '0') return 0n;
  let i = t[0] === '-' ? 1 : 0;
  if (i === t.length || t[i] < '1' || t[i] > '9') return null;
  for (i++; i < t.length; i++) if (t[i] < '0' || t[i] > '9') return null;
  const v = BigInt(t);
  return v > INT64_MAX || v < INT64_MIN ? null : v;
}

/** A client id argument (CLIENT KILL ID, UNBLOCK, TRACKING REDIRECT): the id, or 0 when no client can have it. */
export function clientIdOf(v: bigint): number {
  return v > 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : 0;
}
