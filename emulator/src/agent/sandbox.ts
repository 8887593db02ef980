// Sandbox directories, user lookup and the URI fetcher, as the agent prepares
// them before an executor starts (src/slave/paths.cpp, src/launcher/fetcher.cpp).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { glogLine } from './util.js';
import type { CommandUri } from './types.js';

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** getpwnam from /etc/passwd; undefined when the user does not exist. */
export function lookupUser(name: string): UserInfo | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
    }
  } catch {
    /* no passwd file */
  }
  return undefined;
}

/** `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<executor>/runs/<container>` */
export function executorRunPath(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return path.join(workDir, 'slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
}

/** Creates the run directory (mode 0750, owned by `user`) and points `runs/latest` at it. */
export function createSandbox(dir: string, user?: UserInfo): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  fs.chmodSync(dir, 0o750);
  if (user) fs.chownSync(dir, user.uid, user.gid);
  const latest = path.join(path.dirname(dir), 'latest');
  try {
    fs.rmSync(latest, { force: true });
  } catch {
    /* absent */
  }
  fs.symlinkSync(dir, latest);
  // The executor's output files exist from the start, as the container logger creates them.
  for (const f of ['stdout', 'stderr']) {
    fs.closeSync(fs.openSync(path.join(dir, f), 'a'));
    if (user) fs.chownSync(path.join(dir, f), user.uid, user.gid);
  }
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i;

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with status ${code}: ${err.trim()}`))));
  });
}

/**
 * Fetches CommandInfo.uris into the sandbox: local paths and file:// are
 * copied, http(s) downloaded; archives extracted; `executable` made 0755.
 * Writes the fetcher's log to the sandbox stderr. Throws on the first failure.
 */
export async function fetchUris(uris: CommandUri[], sandbox: string, user?: UserInfo): Promise<void> {
  if (!uris.length) return;
  const log = (msg: string) => fs.appendFileSync(path.join(sandbox, 'stderr'), glogLine('I', 'fetcher.cpp:564', msg));
  log(`Fetcher Info: ${JSON.stringify({ items: uris.map((u) => ({ action: 'BYPASS_CACHE', uri: u })), sandbox_directory: sandbox })}`);
  for (const uri of uris) {
    const value = uri.value;
    const base = uri.output_file ?? (path.basename(new URL(value, 'file:///').pathname) || 'download');
    const dest = path.join(sandbox, base);
    log(`Fetching URI '${value}'`);
    log(`Fetching directly into the sandbox directory`);
    try {
      if (/^https?:\/\//i.test(value)) {
        const res = await fetch(value, { signal: AbortSignal.timeout(60_000) });
        if (!res.ok) throw new Error(`HTTP response code ${res.status}`);
        fs.writeFileSync(dest, Buffer.from(await res.arrayBuffer()));
        log(`Downloaded resource '${value}' to '${dest}'`);
      } else if (value.startsWith('file://') || value.startsWith('/')) {
        const src = value.startsWith('file://') ? new URL(value).pathname : value;
        fs.copyFileSync(src, dest);
        log(`Copied resource '${src}' to '${dest}'`);
      } else {
        throw new Error(`Unsupported URI scheme in '${value}'`);
      }
      if (uri.executable) fs.chmodSync(dest, 0o755);
      else if ((uri.extract ?? true) && ARCHIVE.test(dest)) {
        await run('tar', ['-C', sandbox, '-xf', dest], sandbox);
        log(`Extracted '${dest}' into '${sandbox}'`);
      }
      if (user) fs.chownSync(dest, user.uid, user.gid);
    } catch (err) {
      const msg = `Failed to fetch '${value}': ${(err as Error).message}`;
      fs.appendFileSync(path.join(sandbox, 'stderr'), glogLine('E', 'fetcher.cpp:613', msg));
      throw new Error(msg);
    }
  }
  log(`Successfully fetched all URIs into '${sandbox}'`);
}
