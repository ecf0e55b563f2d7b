/**
 * Waiting for clients to be parked in a blocking command on both servers of
 * a differential test: CLIENT LIST is polled until at least `n` of its lines
 * match on each (5 s at most).
 */
import type { Differential } from './differential';
import { sleep } from './resp';

export async function waitClientLines(d: Differential, n: number, matches: (line: string) => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { ref, target } = await d.adminCall('CLIENT', 'LIST');
    const count = (r: typeof ref) =>
      r.type === 'bulk' || r.type === 'verbatim'
        ? (r.value ?? Buffer.alloc(0)).toString().split('\n').filter(matches).length
        : 0;
    if (count(ref) >= n && count(target) >= n) return;
    if (Date.now() > deadline) throw new Error(`clients did not block: redis ${count(ref)}, tachyon ${count(target)}`);
    await sleep(5);
  }
}

/** Clients parked in XREAD/XREADGROUP (flag b). */
export const inStreamRead = (line: string): boolean => /\bcmd=(xread|xreadgroup)\b/.test(line) && /flags=b/.test(line);
