/**
 * What a command does besides its reply, compared between Redis and the
 * target: keyspace notifications (a PSUBSCRIBE __key*__:* connection) and
 * client-side caching invalidations (a RESP3 connection with CLIENT
 * TRACKING ON BCAST, which is told about every key modification).
 *
 * checkSideEffects() runs each command on the main session, compares the
 * replies, then sends a PING on both listeners as a barrier and compares
 * everything they received before the PONG. checkStats() compares what INFO
 * says about the commands afterwards.
 *
 * SHOW_TRANSCRIPT=1 prints what Redis did, to see what a test covers.
 */
import { expect } from 'vitest';
import type { Arg, Differential, Session } from './differential';
import { formatReply, type RespClient } from './resp';

async function drainUntilPong(c: RespClient): Promise<string[]> {
  c.send('PING');
  const lines: string[] = [];
  for (;;) {
    const r = await c.read(3000);
    const text = formatReply(r);
    // RESP2 subscribers answer ["pong", ""], RESP3 connections +PONG.
    if (text === '"PONG"' || text === 'PONG' || text === '["pong", ""]' || text === '+PONG') return lines;
    lines.push(text);
  }
}

export interface SideEffectOptions {
  /** notify-keyspace-events classes (default KEAnm: every class, new-key and key-miss events included). */
  classes?: string;
}

/**
 * Runs `steps` on d.main with a keyspace-event subscriber and a tracking
 * client listening on both servers; the replies and, per command, the
 * notifications and invalidations must be identical.
 */
export async function checkSideEffects(d: Differential, steps: Arg[][], opts: SideEffectOptions = {}): Promise<void> {
  await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', opts.classes ?? 'KEAnm');
  let sub: Session | undefined;
  let trk: Session | undefined;
  try {
    sub = await d.session({ protocol: 2 });
    await sub.setup(['PSUBSCRIBE', '__key*__:*']);
    trk = await d.session({ protocol: 3 });
    await trk.setup(['CLIENT', 'TRACKING', 'ON', 'BCAST']);
    const transcript = { ref: [] as string[], target: [] as string[] };
    for (const cmd of steps) {
      const { ref, target } = await d.main.both(...cmd);
      const name = cmd.map(String).join(' ');
      transcript.ref.push(`> ${name}`, `  ${formatReply(ref)}`);
      transcript.target.push(`> ${name}`, `  ${formatReply(target)}`);
      for (const [label, s] of [
        ['event', sub],
        ['invalidation', trk],
      ] as const) {
        const [r, t] = await Promise.all([drainUntilPong(s.ref), drainUntilPong(s.target)]);
        transcript.ref.push(...r.map((l) => `  ${label} ${l}`));
        transcript.target.push(...t.map((l) => `  ${label} ${l}`));
      }
    }
    if (process.env.SHOW_TRANSCRIPT) console.log(transcript.ref.join('\n'));
    expect(transcript.target.join('\n')).toBe(transcript.ref.join('\n'));
  } finally {
    await Promise.all([sub?.close(), trk?.close()]);
    await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
}

function statFields(info: string, keep: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^([a-z_]+[a-z0-9_|]*):(.*)$/.exec(line);
    if (m && keep(m[1])) out[m[1]] = m[2].replace(/usec=\d+,usec_per_call=[\d.]+,/, '');
  }
  return out;
}

/**
 * Runs `steps` on d.main after CONFIG RESETSTAT and compares what INFO then
 * says about them: keyspace hits and misses, each command's calls, rejected
 * and failed calls (its time is not compared), and the errors by code.
 */
export async function checkStats(d: Differential, steps: Arg[][]): Promise<void> {
  await d.adminCall('CONFIG', 'RESETSTAT');
  for (const cmd of steps) await d.main.both(...cmd);
  const stats = await d.main.both('INFO', 'stats');
  const commands = await d.main.both('INFO', 'commandstats');
  const errors = await d.main.both('INFO', 'errorstats');
  const fields = (r: { type: string; value?: unknown }, keep: (n: string) => boolean) =>
    statFields(r.type === 'bulk' || r.type === 'verbatim' ? String((r as { value: Buffer }).value) : formatReply(r as never), keep);
  const keepStats = (n: string) => n === 'keyspace_hits' || n === 'keyspace_misses' || n === 'total_error_replies';
  // INFO itself is counted too, the same on both sides.
  const keepCommands = (n: string) => n.startsWith('cmdstat_');
  if (process.env.SHOW_TRANSCRIPT) console.log(fields(stats.ref, keepStats), fields(commands.ref, keepCommands));
  expect(fields(stats.target, keepStats)).toEqual(fields(stats.ref, keepStats));
  expect(fields(commands.target, keepCommands)).toEqual(fields(commands.ref, keepCommands));
  const keepErrors = (n: string) => n.startsWith('errorstat_');
  expect(fields(errors.target, keepErrors)).toEqual(fields(errors.ref, keepErrors));
}
