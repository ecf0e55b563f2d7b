/**
 * Public embedding API.
 *
 *   const server = await startServer({ port: 0 });
 *   // connect any Redis client to server.port
 *   await server.close();
 */
import { Config } from './config/config';
import { TachyonServer } from './server';

export { TachyonServer } from './server';
export { VERSION, TACHYON_VERSION } from './version';

/** Options accept redis.conf names ('maxmemory-policy') or camelCase ('maxmemoryPolicy'). */
export type ServerOptions = Record<string, string | number | boolean>;

export interface RunningServer {
  /** The TCP port the server listens on (the chosen one when started with port 0). */
  readonly port: number;
  readonly host: string;
  /** The underlying server, for advanced use. */
  readonly server: TachyonServer;
  /** Stops listening, closes all clients and frees the data. */
  close(): Promise<void>;
}

/**
 * Starts an in-process server. Defaults differ from the command line in two
 * ways that suit embedding and tests: port 0 (a free port) and bind 127.0.0.1.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = Config.fromSources({ overrides: { port: 0, bind: '127.0.0.1', ...options } });
  const server = new TachyonServer(config);
  await server.listen();
  const host = ((config.get('bind') as string).split(/\s+/)[0] ?? '127.0.0.1').replace(/^-/, '');
  return {
    port: server.port,
    host: host === '*' || host === '0.0.0.0' ? '127.0.0.1' : host,
    server,
    close: () => server.close(),
  };
}
