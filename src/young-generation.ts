/**
 * Keeps V8's young generation at its initial size in the server process.
 *
 * V8 starts each of the two semispaces at 1 MB and doubles them (up to 16 MB
 * each in Node 20) once the bytes that survived scavenges since the last
 * growth exceed the space's capacity. That count only ever adds up, so even
 * the slow allocation left in JavaScript when the hot path is native (INFO,
 * the cron, connection setup) grows the space within seconds of load, and
 * the pages stay resident until a memory-reducing full GC much later: about
 * 5 MB of peak RSS under bench/cache.js for nothing the server needs.
 * Growth factor 1 makes every growth a no-op, the same as starting Node with
 * --max-semi-space-size=1. Only the tachyon-server command does this (a
 * library must not change its host's V8 flags), and a semispace size given
 * on Node's own command line or in NODE_OPTIONS is left alone.
 */
import * as v8 from 'node:v8';

export function keepYoungGenerationSmall(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space'));
  if (!given) v8.setFlagsFromString('--semi-space-growth-factor=1');
}
