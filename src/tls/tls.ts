/**
 * TLS as Redis 7.0 configures it (tls.c): the tls-* options build one server
 * context, at startup and again on CONFIG SET of any of them (new
 * certificates apply to new connections without a restart; connections
 * already open keep theirs). A bad configuration at startup is fatal;
 * through CONFIG SET it is refused with Redis's error and the old context
 * stays.
 *
 * Connections on tls-port are decrypted natively (native/binding/tls.h:
 * OpenSSL from Node, SSL_read/SSL_write on the socket in the same pass that
 * runs the commands), so TLS keeps the native I/O path. When the addon reads
 * no sockets itself (TACHYON_NATIVE_IO=0, or built without Node's OpenSSL
 * headers), a tls.Server from Node does the same job on the streams path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { ServerContext } from '../context';

/** The options that make up the TLS context (CONFIG SET of one rebuilds it). */
export const TLS_CONTEXT_OPTIONS = [
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-session-caching',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
  'tls-prefer-server-ciphers',
  'tls-auth-clients',
  'tls-replication',
  'tls-cluster',
] as const;

const AUTH_CLIENTS: Record<string, number> = { no: 0, yes: 1, optional: 2 };

export class Tls {
  /** Node's context options, for TLS connections the addon does not serve, and its listeners. */
  private nodeOptions: tls.SecureContextOptions | undefined;
  private readonly nodeServers = new Set<tls.Server>();
  /** The addon holds a context (its connections are decrypted natively). */
  private native = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly nativeIo: boolean,
  ) {
    for (const name of TLS_CONTEXT_OPTIONS) {
      ctx.config.onChange(name, () => (this.enabled() && !this.configure() ? 'Unable to update TLS configuration. Check server logs.' : undefined));
    }
  }

  /** Redis configures TLS when something uses it: tls-port, tls-replication or tls-cluster. */
  enabled(): boolean {
    const c = this.ctx.config;
    return (c.get('tls-port') as number) !== 0 || (c.get('tls-replication') as boolean) || (c.get('tls-cluster') as boolean);
  }

  /** Builds the context from the current options; false (with the reasons logged) when it cannot. */
  configure(): boolean {
    const { log, native } = this.ctx;
    const options = this.options();
    if (this.nativeIo) {
      const r = native.configureTls(options);
      if (r === null) {
        this.native = true;
        return true;
      }
      if (Array.isArray(r)) {
        for (const line of r) log.warning(line);
        return false;
      }
      // No native TLS in this build: Node's tls module serves the connections.
    }
    const errors = this.configureNode(options);
    for (const line of errors) log.warning(line);
    return errors.length === 0;
  }

  /** The same checks and context with Node's tls module (the streams path). */
  private configureNode(o: Record<string, string | number>): string[] {
    const str = (k: string) => (o[k] as string) || '';
    if (!str('tls-cert-file')) return ['No tls-cert-file configured!'];
    if (!str('tls-key-file')) return ['No tls-key-file configured!'];
    if ((o['tls-auth-clients'] !== 0 || o['tls-replication'] || o['tls-cluster']) && !str('tls-ca-cert-file') && !str('tls-ca-cert-dir')) {
      return [
        'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
      ];
    }
    const protocols = str('tls-protocols') ? str('tls-protocols').split(' ').map((p) => p.toLowerCase()) : ['tlsv1.2', 'tlsv1.3'];
    const names: Record<string, tls.SecureVersion> = { tlsv1: 'TLSv1', 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };
    if (protocols.some((p) => !names[p])) {
      return ["Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."];
    }
    const order = Object.keys(names).filter((p) => protocols.includes(p));
    const read = (file: string, what: string): Buffer => {
      try {
        return fs.readFileSync(file);
      } catch (e) {
        throw new Error(`Failed to load ${what}: ${file}: ${(e as Error).message}`);
      }
    };
    try {
      const ca: Buffer[] = [];
      if (str('tls-ca-cert-file')) ca.push(read(str('tls-ca-cert-file'), 'CA certificate(s) file'));
      if (str('tls-ca-cert-dir')) {
        for (const f of fs.readdirSync(str('tls-ca-cert-dir'))) {
          const p = path.join(str('tls-ca-cert-dir'), f);
          if (fs.statSync(p).isFile()) ca.push(fs.readFileSync(p));
        }
      }
      const options: tls.SecureContextOptions = {
        cert: read(str('tls-cert-file'), 'certificate'),
        key: read(str('tls-key-file'), 'private key'),
        passphrase: str('tls-key-file-pass') || undefined,
        ca: ca.length ? ca : undefined,
        ciphers: [str('tls-ciphers'), str('tls-ciphersuites')].filter(Boolean).join(':') || undefined,
        minVersion: names[order[0]],
        maxVersion: names[order[order.length - 1]],
        honorCipherOrder: o['tls-prefer-server-ciphers'] === 1,
        dhparam: str('tls-dh-params-file') ? read(str('tls-dh-params-file'), 'DH params file') : undefined,
        sessionTimeout: o['tls-session-caching'] ? (o['tls-session-cache-timeout'] as number) : 0,
      };
      tls.createSecureContext(options); // throws on a bad certificate, key or cipher
      this.nodeOptions = options;
      for (const server of this.nodeServers) server.setSecureContext(options);
      this.authClients = o['tls-auth-clients'] as number;
      this.onAuthChange?.();
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  }

  private authClients = 1;

  /**
   * A listener whose connections Node's tls module decrypts (when the addon
   * does not); CONFIG SET of certificates replaces its context too.
   */
  createServer(onConnection: (socket: tls.TLSSocket) => void): tls.Server {
    const { log } = this.ctx;
    const server = tls.createServer({ ...this.nodeOptions, sessionIdContext: 'redis', pauseOnConnect: true } as tls.TlsOptions);
    this.nodeServers.add(server);
    server.on('close', () => this.nodeServers.delete(server));
    const applyAuth = () => {
      // Read by Node for each new connection; the verdict on the certificate is taken below.
      const s = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
      s.requestCert = this.authClients !== 0;
      s.rejectUnauthorized = false;
    };
    applyAuth();
    server.on('tlsClientError', (e: Error) => log.warning(`Error accepting a client connection: ${e.message}`));
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      // Nothing was read from the client yet: a refused one never runs a command.
      const auth = this.authClients;
      const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      let refusal = '';
      if (auth !== 0 && presented && !socket.authorized) refusal = `certificate verify failed (${String(socket.authorizationError)})`;
      else if (auth === 1 && !presented) refusal = 'peer did not return a certificate';
      if (refusal) {
        log.warning(`Error accepting a client connection: ${refusal}`);
        socket.destroy();
        return;
      }
      socket.on('error', (e: Error) => log.verbose(`Reading from client: ${e.message}`));
      onConnection(socket);
    });
    this.onAuthChange = applyAuth;
    return server;
  }

  private onAuthChange: (() => void) | undefined;

  /** The options as the addon takes them: numbers for yes/no and enums, paths resolved against `dir`. */
  private options(): Record<string, string | number> {
    const { config } = this.ctx;
    const o: Record<string, string | number> = {};
    for (const name of TLS_CONTEXT_OPTIONS) {
      const v = config.get(name);
      o[name] = typeof v === 'boolean' ? (v ? 1 : 0) : name === 'tls-auth-clients' ? AUTH_CLIENTS[v as string] : v;
      // Redis, chdir'ed to `dir`, reads relative paths from there.
      if (typeof o[name] === 'string' && o[name] && /-(file|dir)$/.test(name)) o[name] = config.resolvePath(o[name] as string);
    }
    return o;
  }

  /** Whether the addon decrypts TLS connections itself. */
  get nativeTls(): boolean {
    return this.native;
  }
}
