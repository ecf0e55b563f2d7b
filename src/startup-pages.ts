/**
 * Gives back the code pages Node touched only to start.
 *
 * Booting Node (its module loader, snapshot deserializer, parser and
 * compilers) leaves about 40 MB of its executable resident, three times
 * what Redis's whole process holds when idle, and a running server executes
 * little of it again. Once the server is ready, tachyon-server drops its
 * page-table entries for clean read-only file mappings
 * (native/server/file_pages.h). The pages stay in the page cache, so code
 * needed later costs a minor fault, not a read. Only the tachyon-server
 * command does this; a library leaves its host's mappings alone.
 */
import type { Logger } from './log';
import { loadAddon } from './native';

export function releaseStartupPages(log: Logger): void {
  const bytes = loadAddon().releaseCleanFilePages();
  if (bytes > 0) log.verbose(`Released ${(bytes / 1048576).toFixed(1)} MB of startup code pages from the resident set`);
}
