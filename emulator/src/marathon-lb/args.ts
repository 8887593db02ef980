// The image's arguments: `sse` (the run script's mode) then marathon_lb.py's
// options. The options that change what is generated are read; the ones that
// only tune Python internals are accepted and ignored; anything else is an
// error naming it, as argparse's "unrecognized arguments".
import type { Options } from './services.js';

export class UsageError extends Error {}

export interface Args extends Options {
  marathon: string[];
  sslCerts: string[];
  bindHttpHttps: boolean;
}

/** marathon_lb.py's options (and common.py's) taking one value that only tune its own machinery */
const IGNORED_WITH_VALUE = new Set([
  '--syslog-socket', '--log-format', '--log-level', '--marathon-ca-cert', '--auth-credentials', '--dcos-auth-credentials',
  '--marathon-auth-credential-file', '--reload-interval', '--max-reload-retries', '--max-backoff', '--lru-cache-capacity',
  '--archive-versions', '--min-serv-port-ip-per-task', '--max-serv-port-ip-per-task', '--haproxy-config', '--command', '-c',
]);
const IGNORED_FLAGS = new Set(['--sse', '-s', '--skip-validation', '--skip-config-cleanup']);
/** real options that change what it does, and that are not emulated */
const REFUSED = new Set(['--haproxy-map', '--group-https-by-vhost', '--dry', '-d', '--longhelp']);

export function parseArgs(argv: string[]): Args {
  const [mode, ...rest] = argv;
  if (mode !== 'sse') {
    throw new UsageError(
      mode === 'poll' ? 'only `sse` mode is emulated (mesos-up runs `sse`)' : `the first argument must be the mode, sse or poll, not ${mode === undefined ? 'nothing' : `"${mode}"`}`,
    );
  }
  const out: Args = { marathon: [], groups: [], healthCheck: false, strictMode: false, sslCerts: [], bindHttpHttps: true };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || (inline === undefined && v.startsWith('-'))) throw new UsageError(`argument ${name}: expected one argument`);
      return v;
    };
    switch (name) {
      case '-m':
      case '--marathon':
        // (nargs='+': every following word up to the next option)
        out.marathon.push(value());
        while (inline === undefined && rest[i + 1] !== undefined && !rest[i + 1]!.startsWith('-')) out.marathon.push(rest[++i]!);
        break;
      case '--group':
        out.groups.push(value());
        break;
      case '-H':
      case '--health-check':
        out.healthCheck = true;
        break;
      case '--strict-mode':
        out.strictMode = true;
        break;
      case '--dont-bind-http-https':
        out.bindHttpHttps = false;
        break;
      case '--ssl-certs':
        out.sslCerts = value().split(',');
        break;
      default:
        if (IGNORED_WITH_VALUE.has(name)) value();
        else if (REFUSED.has(name)) throw new UsageError(`${name} is not emulated (mesos-up's Marathon-LB runs sse mode with HAProxy; see its README)`);
        else if (!IGNORED_FLAGS.has(name)) throw new UsageError(`unrecognized arguments: ${a}`);
    }
  }
  if (!out.groups.length) throw new UsageError('the following arguments are required: --group');
  if (!out.marathon.length) out.marathon.push('http://master.mesos:8080');
  return out;
}
