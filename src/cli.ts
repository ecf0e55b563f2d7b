/**
 * `tachyon-server [/path/to/redis.conf] [--option value ...]`: the same
 * command line and messages as redis-server.
 */
import { spawn } from 'node:child_process';
import { Config, ConfigError } from './config/config';
import { parseArgv } from './config/parse';
import { LoggedError, Logger } from './log';
import { logo } from './logo';
import { TachyonServer } from './server';
import { TACHYON_VERSION, VERSION } from './version';
import { releaseStartupPages } from './startup-pages';
import { LoadError } from './persistence/persistence';

/** Set in the environment of the process that runs a daemonized server. */
const DAEMON_CHILD = 'TACHYON_DAEMON_CHILD';

/**
 * daemonize yes: Node cannot fork, so the server runs in a detached copy of
 * this process (its own session, standard streams on /dev/null, as Redis's
 * daemonize()) and this one exits at once.
 */
function daemonize(): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [DAEMON_CHILD]: '1' },
  });
  child.unref();
  process.exit(0);
}

const USAGE = `Usage: tachyon-server [/path/to/redis.conf] [options] [-]
       tachyon-server - (read config from stdin)
       tachyon-server -v or --version
       tachyon-server -h or --help

Examples:
       tachyon-server (run the server with default conf)
       echo 'maxmemory 128mb' | tachyon-server -
       tachyon-server /etc/redis/6379.conf
       tachyon-server --port 7777
       tachyon-server /etc/myredis.conf --loglevel verbose -
       tachyon-server /etc/myredis.conf --loglevel verbose
`;

export function main(argv: string[]): void {
  const parsed = parseArgv(argv);
  if (parsed.version) {
    process.stdout.write(`Tachyon server v=${TACHYON_VERSION} redis_version=${VERSION} bits=64 node=${process.version}\n`);
    return;
  }
  if (parsed.help) {
    // As redis-server: usage on stderr, exit status 1.
    process.stderr.write(USAGE);
    process.exit(1);
  }
  // Before the configuration is read Redis logs as a child process ("C").
  const early = new Logger({ role: 'C' });
  if (parsed.stdin) early.warning('Reading config from stdin');
  let config: Config;
  try {
    config = Config.fromSources({ argv: parsed });
  } catch (e) {
    // A config file that cannot be opened is a log line; a bad directive is the FATAL CONFIG FILE ERROR banner on stderr.
    const message = (e as Error).message;
    if (message.startsWith('Fatal error')) early.warning(message);
    else process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  if (config.get('daemonize') && config.get('supervised') === 'no' && process.env[DAEMON_CHILD] !== '1') daemonize();
  let server: TachyonServer;
  try {
    server = new TachyonServer(config);
  } catch (e) {
    // A bad `user` line is a config error (printed like one); ACL and TLS startup
    // errors were logged; a missing native addon (src/addon-loader.ts) says what to install.
    if (!(e instanceof LoggedError)) process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  server.restartable = true;
  const log = server.log;
  log.notice('oO0OoO0OoO0Oo Tachyon is starting oO0OoO0OoO0Oo');
  log.notice(`Tachyon version=${TACHYON_VERSION}, redis_version=${VERSION}, bits=64, pid=${process.pid}, just started`);
  if (parsed.file) log.notice('Configuration loaded');
  else {
    log.warning(
      'Warning: no config file specified, using the default config. In order to specify a config file use tachyon-server /path/to/redis.conf',
    );
  }
  server.onShutdown = () => process.exit(0);
  const onSignal = (name: string) => {
    log.warning(`Received ${name} scheduling shutdown...`);
    // shutdown-on-sigterm / shutdown-on-sigint: the SHUTDOWN flags a signal means.
    const words = String(config.get(name === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm')).split(' ');
    const flags = { save: words.includes('save'), nosave: words.includes('nosave'), now: words.includes('now'), force: words.includes('force') };
    if (server.beginShutdown(flags) === 'failed') {
      log.warning(`${name} received but errors trying to shut down the server, check the logs for more information`);
    }
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  server.listen().then(
    () => {
      // Redis's redisAsciiArt(): the logo on a terminal or when asked for.
      const showLogo = (config.get('logfile') === '' && process.stdout.isTTY) || config.get('always-show-logo');
      if (showLogo) log.raw(logo('standalone', server.port, process.pid));
      else log.notice(`Running mode=standalone, port=${server.port}.`);
      log.notice('Server initialized');
      server.loadData().then(
        () => {
          log.notice('Ready to accept connections');
          releaseStartupPages(log);
        },
        (e: Error) => {
          if (!(e instanceof LoadError)) log.warning(`Fatal error loading the DB: ${e.message}. Exiting.`);
          process.exit(1);
        },
      );
    },
    (e: Error) => {
      log.warning(`Failed listening on port ${config.get('port')} (tcp), aborting. ${e.message}`);
      process.exit(1);
    },
  );
}

export { ConfigError };
