/**
 * What a command does besides its reply, compared between Redis and the
 * target: keyspace notifications (a PSUBSCRIBE __key*__:* connection) and
 * client-side caching invalidations (a RESP3 connection with CLIENT
 * TRACKING ON BCAST, which is told about every key modification).
 *
 * checkSideEffects() runs each command on the main session, compares the
 * replies, then sends a PING on both listeners as a barrier and compares
 * everything they received before the PONG.
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
    if (process.env.SHOW_TRANSCRIPT) console.log(transcript.ref.join("\n"));
    expect(transcript.target.join('\n')).toBe(transcript.ref.join('\n'));
  } finally {
    await Promise.all([sub?.close(), trk?.close()]);
    await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
}
