/**
 * CLUSTER (every subcommand), ASKING, READONLY and READWRITE on a server
 * without cluster support: Redis 7.0 built with cluster-enabled no answers
 * each with the same error once the dispatcher has checked the subcommand
 * and the arity. Tachyon has no cluster mode (cluster-enabled yes is refused
 * at startup, src/config/options.ts), so these are its real replies.
 */
import type { CommandRegistry, Handler } from './registry';
import { lookupByFullName } from './table';

const CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';

export function registerClusterCommands(r: CommandRegistry): void {
  const disabled: Handler = (call) => void call.w.error(CLUSTER_DISABLED);
  for (const name of ['asking', 'readonly', 'readwrite']) r.register(name, disabled);
  // Every CLUSTER subcommand of the table: unknown ones and bad arities never get here.
  for (const sub of lookupByFullName('cluster')?.subs?.values() ?? []) r.register(sub.meta.name, disabled);
}
