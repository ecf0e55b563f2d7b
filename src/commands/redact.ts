/**
 * The arguments Redis redacts (redactClientCommandArgument) before MONITOR
 * and SLOWLOG see a command: AUTH's credentials, HELLO's AUTH ones, and the
 * values of sensitive options in CONFIG SET.
 */
import { lookupOption } from '../config/options';

/** Indexes of the arguments of `name` (lowercase full name) shown as "(redacted)". */
export function redactedIndexes(name: string, args: Buffer[]): number[] {
  if (name === 'auth') return args.map((_, i) => i).slice(1);
  const out: number[] = [];
  if (name === 'hello') {
    for (let j = 2; j < args.length; j++) {
      const more = args.length - 1 - j;
      const opt = args[j].toString('latin1').toLowerCase();
      if (opt === 'auth' && more >= 2) {
        out.push(j + 1, j + 2);
        j += 2;
      } else if (opt === 'setname' && more >= 1) {
        j++;
      } else {
        break;
      }
    }
  } else if (name === 'config|set') {
    for (let j = 2; j + 1 < args.length; j += 2) {
      if (lookupOption(args[j].toString('latin1'))?.sensitive) out.push(j + 1);
    }
  }
  return out;
}
