// Where long outputs (image builds, host setup) are kept in full while the
// terminal shows one progress line: $XDG_STATE_HOME/mesos-up/logs, else
// ~/.local/state/mesos-up/logs. The path is printed when something fails.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function logDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'mesos-up', 'logs');
}

/** Where a dockerd that doctor --fix started without systemd writes its output. */
export const dockerdLogPath = (env: NodeJS.ProcessEnv = process.env): string => path.join(logDir(env), 'dockerd.log');

export interface LogFile {
  readonly path: string;
  write(text: string): void;
  close(): Promise<void>;
}

/** A new log file named after what it records and when, e.g. build-2026-12-01T12-00-00-123Z.log. */
export function openLog(kind: string, env: NodeJS.ProcessEnv = process.env): LogFile {
  const dir = logDir(env);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const stream: WriteStream = createWriteStream(file, { flags: 'a' });
  return {
    path: file,
    write: (text) => void stream.write(text.endsWith('\n') ? text : `${text}\n`),
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}
