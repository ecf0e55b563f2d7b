/**
 * Polling with a deadline in time rather than a count of fixed sleeps: on a
 * loaded machine (CI's two cores running the whole suite) a process start, a
 * crash report or a close can take seconds longer than on an idle one, and the
 * test should wait for the event, not for a guess at its duration.
 */

/**
 * Calls `cond` every `intervalMs` until it is true or `timeoutMs` have passed;
 * resolves to its last answer, so the caller's expect() says what never happened.
 */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
