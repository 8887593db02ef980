// Running a command as root (directly when we are root, else through `sudo -n`,
// whose credentials doctor --fix has validated), its output streamed line by
// line to a log file and a callback, the last lines kept for the error.
import type { LogFile } from './log-file.js';

export function rootArgv(argv: string[], root = process.getuid?.() === 0): [string, string[]] {
  return root ? [argv[0]!, argv.slice(1)] : ['sudo', ['-n', ...argv]];
}

export interface StreamedRun {
  command: string;
  exitCode: number | undefined;
  signal: string | undefined;
  /** the last `tailLines` lines of stdout and stderr together */
  tail: string[];
}

export async function runAsRoot(
  argv: string[],
  opts: { root?: boolean; log?: LogFile; onLine?: (line: string) => void; env?: NodeJS.ProcessEnv; tailLines?: number } = {},
): Promise<StreamedRun> {
  // execa is loaded only here: most runs never set up a machine or make a base image.
  const { execa } = await import('execa');
  const [cmd, args] = rootArgv(argv, opts.root);
  const command = [cmd, ...args].join(' ');
  opts.log?.write(`$ ${command}`);
  const child = execa(cmd, args, { all: true, reject: false, stdin: 'ignore', ...(opts.env ? { env: opts.env } : {}) });
  const tail: string[] = [];
  for await (const line of child.iterable({ from: 'all' })) {
    opts.log?.write(line);
    tail.push(line);
    if (tail.length > (opts.tailLines ?? 20)) tail.shift();
    opts.onLine?.(line);
  }
  const r = await child;
  return { command, exitCode: r.exitCode, signal: r.signal, tail };
}
