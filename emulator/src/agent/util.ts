// Small helpers shared by the agent modules.
import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** A glog-style line, as Mesos' executors write into the sandbox stderr. */
export function glogLine(level: 'I' | 'W' | 'E', source: string, msg: string, pid = process.pid): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 ${String(pid).padStart(5)} ${source}] ${msg}\n`;
}

/** A status update uuid: 16 random bytes, base64 in the JSON API. */
export const statusUuid = (): string => randomBytes(16).toString('base64');

export const nowSecs = (): number => Date.now() / 1000;

const SIGNAL_TEXT: Record<string, string> = {
  SIGHUP: 'Hangup', SIGINT: 'Interrupt', SIGQUIT: 'Quit', SIGILL: 'Illegal instruction', SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted', SIGBUS: 'Bus error', SIGFPE: 'Floating point exception', SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1', SIGSEGV: 'Segmentation fault', SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe', SIGALRM: 'Alarm clock', SIGTERM: 'Terminated', SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded', SIGSYS: 'Bad system call',
};

/** stout's WSTRINGIFY: "exited with status N" or "terminated with signal <strsignal>". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const num = os.constants.signals[signal];
    return `terminated with signal ${SIGNAL_TEXT[signal] ?? `Unknown signal ${num ?? signal}`}`;
  }
  return `exited with status ${code ?? -1}`;
}

/** Default PATH the Mesos launcher sets when the environment has none. */
export const HOST_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
