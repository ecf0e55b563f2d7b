/**
 * What the persistence modules share without importing each other: the
 * error that stops a startup load, and strerror() texts for the errno
 * numbers the native side returns.
 */

/** Thrown by Persistence.start() when the dataset cannot be loaded (the CLI exits 1). */
export class LoadError extends Error {}

/** strerror() text for an errno number. */
export function errnoText(errno: number): string {
  const texts: Record<number, string> = {
    1: 'Operation not permitted',
    2: 'No such file or directory',
    5: 'Input/output error',
    11: 'Resource temporarily unavailable',
    12: 'Cannot allocate memory',
    13: 'Permission denied',
    16: 'Device or resource busy',
    17: 'File exists',
    20: 'Not a directory',
    21: 'Is a directory',
    22: 'Invalid argument',
    24: 'Too many open files',
    28: 'No space left on device',
    30: 'Read-only file system',
    101: 'Network is unreachable',
    104: 'Connection reset by peer',
    110: 'Connection timed out',
    111: 'Connection refused',
    113: 'No route to host',
    122: 'Disk quota exceeded',
  };
  return texts[errno] ?? `errno ${errno}`;
}
