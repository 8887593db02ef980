// Log lines in the glog layout Mesos uses (`I1128 06:40:00.123456  1 file] msg`),
// so log scrapers written for the real components keep working.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
function stamp(level: string): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 ${String(process.pid).padStart(5)}`;
}

/** The log file of `--log_dir`, written beside stdout/stderr (glog with stderrthreshold=INFO). */
let file: number | undefined;

export function makeLogger(source: string) {
  const line = (level: string, msg: string) => {
    const text = `${stamp(level)} ${source}] ${msg}`;
    // Written at once, so the line before an exit is there too; a full disk costs the file, not the process.
    if (file !== undefined) {
      try {
        fs.writeSync(file, `${text}\n`);
      } catch {
        file = undefined;
      }
    }
    return text;
  };
  return {
    info: (msg: string) => console.log(line('I', msg)),
    warn: (msg: string) => console.error(line('W', msg)),
    error: (msg: string) => console.error(line('E', msg)),
  };
}

/**
 * `--log_dir` as Mesos' logging::initialize sets it up: glog's file
 * `<program>.<host>.<user>.log.INFO.<yyyymmdd-hhmmss>.<pid>` with its header,
 * the `<program>.INFO` link to it, and the first line glog needs to create it.
 * Returns the link, which logging::getLogFile names (/files attaches what it points to).
 */
export function logToDirectory(dir: string, program: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const now = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const when = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? 'invalid-user'); // a uid with no passwd entry
  }
  const name = `${program}.${os.hostname()}.${user}.log.INFO.${when}.${process.pid}`;
  const header =
    `Log file created at: ${now.getUTCFullYear()}/${p(now.getUTCMonth() + 1)}/${p(now.getUTCDate())} ${p(now.getUTCHours())}:${p(now.getUTCMinutes())}:${p(now.getUTCSeconds())}\n` +
    `Running on machine: ${os.hostname()}\n` +
    'Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n';
  fs.writeFileSync(path.join(dir, name), header);
  file = fs.openSync(path.join(dir, name), 'a');
  const link = path.join(dir, `${program}.INFO`);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(name, link);
  makeLogger('logging.cpp').info('INFO level logging started!');
  return link;
}

/**
 * The verbosity GET/SET_LOGGING_LEVEL read and change (glog's FLAGS_v, which
 * Logging::set_level puts back after the duration). The stand-ins have no
 * VLOG lines, so it changes no output.
 */
export class LoggingLevel {
  private readonly original: number;
  private revert: NodeJS.Timeout | undefined;
  constructor(public level = 0) {
    this.original = level;
  }

  set(level: number, durationMs: number): void {
    this.level = level;
    clearTimeout(this.revert);
    this.revert = undefined;
    if (level !== this.original) {
      this.revert = setTimeout(() => (this.level = this.original), Math.min(Math.max(durationMs, 0), 2 ** 31 - 1));
      this.revert.unref();
    }
  }
}
