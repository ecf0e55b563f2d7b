/**
 * Wall-clock time in microseconds, like gettimeofday: Date.now()'s
 * milliseconds with the digits below them from the monotonic clock
 * (performance.timeOrigin + performance.now() alone drifts away from wall
 * time in a long-running process).
 */
export function wallClockMicros(): number {
  return Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
}
