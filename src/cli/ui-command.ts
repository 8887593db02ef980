// mesos-up ui: the web UIs of a cluster (Marathon's /ui/ and the leading
// master's page), opened in a browser when there is one, else printed.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { MesosUpError } from '../errors.js';
import type { ClusterInfo } from '../lifecycle/describe.js';
import { onPath } from '../util/on-path.js';
import { action, clusterNameFrom } from './run.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

export interface UiUrls {
  name: string;
  /** Marathon's web UI (`/` redirects there, as in Marathon 1.7) */
  marathon?: string;
  /** the leading master's page (any master while none leads) */
  master?: string;
  /** the Marathon-LB add-on's HAProxy stats page */
  marathonLb?: string;
}

export function uiUrls(c: ClusterInfo): UiUrls {
  return {
    name: c.name,
    ...(c.marathonUrl ? { marathon: `${c.marathonUrl}/ui/` } : {}),
    ...(c.masterUrl ? { master: `${c.masterUrl}/` } : {}),
    ...(c.marathonLb?.statsUrl && c.marathonLb.state === 'running' ? { marathonLb: `${c.marathonLb.statsUrl}/haproxy?stats` } : {}),
  };
}


/** How to open a URL here: open on macOS, start on Windows, xdg-open with a display elsewhere; undefined when no browser can show it. */
export function browserOpener(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): ((url: string) => [string, string[]]) | undefined {
  if (platform === 'darwin') return onPath('open', env) ? (url) => ['open', [url]] : undefined;
  if (platform === 'win32') return (url) => ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return onPath('xdg-open', env) ? (url) => ['xdg-open', [url]] : undefined;
}

/** Starts the opener; true unless it fails to start or exits non-zero within a moment (xdg-open returns once it handed the URL over). */
function open(opener: (url: string) => [string, string[]], url: string): Promise<boolean> {
  const [cmd, args] = opener(url);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { detached: true, stdio: 'ignore', windowsVerbatimArguments: cmd === 'cmd' });
      const timer = setTimeout(() => {
        child.unref();
        resolve(true);
      }, 3000);
      child.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    } catch {
      resolve(false);
    }
  });
}

export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description("open the Marathon and Mesos master web UIs, and the Marathon-LB add-on's stats page, in a browser (or print their URLs when there is none)")
    .option('-n, --name <name>', 'cluster name (default: name in cluster.yaml, else demo)')
    .option('-f, --config <file>', 'take the name from this cluster file')
    .option('--no-open', 'only print the URLs')
    .option('--json', 'print one JSON document (and open nothing)')
    .action(
      action(async (opts: { name?: string; config?: string; open?: boolean; json?: boolean }) => {
        const { connectEngine, describeCluster } = await load();
        const name = clusterNameFrom(opts);
        const docker = await connectEngine();
        const urls = uiUrls(await describeCluster(docker, name));
        if (!urls.marathon && !urls.master) {
          throw new MesosUpError('NOT_FOUND', `Cluster ${name} has no running Marathon or Mesos master to open`, { hint: `mesos-up status${name === 'demo' ? '' : ` --name ${name}`} shows what runs` });
        }
        const opener = opts.json || opts.open === false ? undefined : browserOpener();
        const targets = [urls.marathon, urls.master, urls.marathonLb].filter((u): u is string => !!u);
        const opened: string[] = [];
        if (opener) for (const url of targets) if (await open(opener, url)) opened.push(url);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(urls, null, 2)}\n`);
          return;
        }
        const lines = [
          ...(urls.marathon ? [`Marathon       ${urls.marathon}`] : []),
          ...(urls.master ? [`Mesos master   ${urls.master}`] : []),
          ...(urls.marathonLb ? [`Marathon-LB    ${urls.marathonLb}`] : []),
        ];
        if (opened.length) lines.push(`Opened ${opened.length === 1 ? opened[0] : opened.length === targets.length ? (targets.length === 2 ? 'both' : 'all') : opened.join(', ')} in your browser.`);
        else if (opener) lines.push('Could not open a browser; open the URLs above yourself.');
        else if (opts.open !== false) lines.push('No browser to open them here (no display, or no xdg-open); open the URLs above yourself.');
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
