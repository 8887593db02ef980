// The agent's id across restarts: a 1.7.1 agent checkpoints the id the master
// gave it under <work_dir>/meta/slaves/<id> (and the `latest` link) with the
// host's boot id, and an agent restarted on the same boot re-registers with
// that id (Slave::recover); after a reboot it registers afresh.
import fs from 'node:fs';
import path from 'node:path';

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

function bootId(): string | undefined {
  try {
    return fs.readFileSync(BOOT_ID, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The id to re-register with, or '' to register as a new agent. */
export function recoverAgentId(workDir: string): string {
  const meta = path.join(workDir, 'meta');
  try {
    if (fs.readFileSync(path.join(meta, 'boot_id'), 'utf8').trim() !== bootId()) return '';
    return path.basename(fs.readlinkSync(path.join(meta, 'slaves', 'latest')));
  } catch {
    return '';
  }
}

/** Keeps the id the master gave (paths::createSlaveDirectory, and the boot id checkpoint). */
export function checkpointAgentId(workDir: string, id: string): void {
  const slaves = path.join(workDir, 'meta', 'slaves');
  fs.mkdirSync(path.join(slaves, id), { recursive: true });
  const latest = path.join(slaves, 'latest');
  fs.rmSync(latest, { force: true });
  fs.symlinkSync(path.join(slaves, id), latest);
  const boot = bootId();
  if (boot) fs.writeFileSync(path.join(workDir, 'meta', 'boot_id'), `${boot}\n`);
}
