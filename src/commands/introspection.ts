/**
 * Introspection commands: INFO, CLIENT, COMMAND.
 */
import { registerClientCommands } from './client';
import { registerCommandCommands } from './command';
import { registerInfoCommand } from './info';
import type { CommandRegistry } from './registry';

export { attachIntrospection, resetIntrospectionStats } from './info';

export function registerIntrospectionCommands(r: CommandRegistry): void {
  registerInfoCommand(r);
  registerClientCommands(r);
  registerCommandCommands(r);
}
