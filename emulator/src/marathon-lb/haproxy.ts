// Runs Debian's HAProxy in master-worker mode and reloads it without dropping
// a connection: the config is checked first (`haproxy -c`), the servers'
// state is saved through the stats socket so a new worker starts with the
// checks' results, then SIGUSR2 makes the master start a new worker that takes
// the listening sockets over while the old one finishes its connections.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeLogger } from '../common/log.js';
import { STATE_DIR, STATS_SOCKET } from './haproxy-config.js';

const log = makeLogger('haproxy');

const run = (file: string, args: string[]): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });

/** `show servers state` into the file `load-server-state-from-file global` reads. */
function saveServerState(): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    const sock = net.connect(STATS_SOCKET, () => sock.end('show servers state\n'));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (text += d));
    sock.on('error', () => resolve());
    sock.on('close', () => {
      if (text.trim()) writeFileSync(path.join(STATE_DIR, 'global'), text);
      resolve();
    });
    sock.setTimeout(5000, () => sock.destroy());
  });
}

/** The worker processes of a master (its children, from /proc). */
function workersOf(master: number): Set<number> {
  const out = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // (the fields after the command name, which is in parentheses: state, ppid, …)
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === master) out.add(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HAProxy {
  private master: ChildProcess | undefined;
  private stopping = false;

  constructor(private readonly configPath: string) {
    for (const dir of [path.dirname(STATS_SOCKET), STATE_DIR, path.dirname(configPath)]) mkdirSync(dir, { recursive: true });
  }

  running(): boolean {
    return this.master !== undefined;
  }

  current(): string | undefined {
    return existsSync(this.configPath) ? readFileSync(this.configPath, 'utf8') : undefined;
  }

  /** `haproxy -c` on `text`: undefined when HAProxy accepts it, else what it said. */
  async check(text: string): Promise<string | undefined> {
    const candidate = `${this.configPath}.new`;
    writeFileSync(candidate, text);
    const check = await run('haproxy', ['-c', '-q', '-f', candidate]);
    return check.code === 0 ? undefined : check.output || `haproxy -c exited with ${check.code}`;
  }

  /** Writes `text` and (re)loads HAProxy; false when `haproxy -c` refuses it (nothing changes then). */
  async apply(text: string): Promise<boolean> {
    if (this.master && text === this.current()) return true;
    const refused = await this.check(text);
    if (refused !== undefined) {
      writeFileSync(path.join(path.dirname(this.configPath), 'haproxy_tmp_conf_fail'), text);
      log.error(`haproxy -c refused the new configuration:\n${refused}`);
      return false;
    }
    renameSync(`${this.configPath}.new`, this.configPath);
    if (!this.master) this.start();
    else await this.reloadAndWait();
    return true;
  }

  /**
   * SIGUSR2, then wait for the new worker (marathon_lb.py waits for a new
   * PID too): a signal while the master is still starting the last one would
   * leave a stale worker serving beside the new one.
   */
  private async reloadAndWait(): Promise<void> {
    const master = this.master?.pid;
    if (!master) return;
    await saveServerState();
    const before = workersOf(master);
    log.info(`Reloading HAProxy (master ${master})`);
    this.master!.kill('SIGUSR2');
    for (let waited = 0; waited < 10_000; waited += 50) {
      await sleep(50);
      if ([...workersOf(master)].some((pid) => !before.has(pid))) return;
    }
    log.warn(`HAProxy (master ${master}) started no new worker within 10 s of SIGUSR2`);
  }

  private start(): void {
    const child = spawn('haproxy', ['-W', '-db', '-f', this.configPath], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.master = child;
    log.info(`Started HAProxy (master ${child.pid})`);
    child.on('exit', (code, sig) => {
      if (this.master === child) this.master = undefined;
      if (this.stopping) return;
      // (runit restarts it in Marathon-LB's image; so do we, from the file on disk)
      log.error(`HAProxy exited (${sig ?? `code ${code}`}); starting it again in 1 s`);
      setTimeout(() => {
        if (!this.master && !this.stopping) this.start();
      }, 1000);
    });
  }

  /** Reload with the file on disk (SIGUSR1 to Marathon-LB). */
  reload(): Promise<void> {
    return this.reloadAndWait();
  }

  stop(): void {
    this.stopping = true;
    this.master?.kill('SIGTERM');
  }
}

/** A self-signed certificate for :443 when none is given, as Marathon-LB's run script makes one (CN=*). */
export async function ensureCertificate(file: string, pem: string | undefined): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  if (pem) {
    writeFileSync(file, pem.replace(/\\n/g, '\n'));
    return;
  }
  const key = `${file}.key`;
  const crt = `${file}.crt`;
  const made = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=*/', '-days', '3650', '-keyout', key, '-out', crt]);
  if (made.code !== 0) throw new Error(`openssl could not make a certificate: ${made.output}`);
  writeFileSync(file, `${readFileSync(crt, 'utf8')}${readFileSync(key, 'utf8')}`);
}
