/**
 * Loading as resumable steps, run two ways: at startup without blocking the
 * event loop (clients get -LOADING between steps), and synchronously for
 * DEBUG RELOAD / DEBUG LOADAOF, which Redis runs inside the command.
 *
 * A step generator yields 'poll' while it waits for the native loader thread
 * and 'turn' where it would give clients a turn; it returns its result.
 */
export type Pause = 'poll' | 'turn';
export type Steps<T> = Generator<Pause, T, void>;

/** Runs the steps, yielding to the event loop at every pause. */
export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise((resolve) => (r.value === 'poll' ? setTimeout(resolve, 5) : setImmediate(resolve)));
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Runs the steps to the end without returning to the event loop. */
export function runSync<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (r.value === 'poll') Atomics.wait(sleeper, 0, 0, 1);
  }
}
