// One progress line for image builds that run side by side ("zookeeper: step
// 3/4, installing packages 45/120 · mesos-master: step 2/4, downloading packages
// 12/30"); every raw line of the builds goes to the log file.
import { AptProgress } from '../util/apt-progress.js';
import type { LogFile } from '../util/log-file.js';
import type { Progress } from './images.js';

export class BuildProgress {
  private readonly parts = new Map<string, string>();
  private last = '';

  constructor(
    private readonly emit: Progress,
    private readonly log?: LogFile,
  ) {}

  /** The sink for one target's raw build lines. */
  target(name: string): Progress {
    let step = '';
    let apt = new AptProgress();
    return (line) => {
      this.log?.write(`[${name}] ${line}`);
      const s = /^Step (\d+\/\d+) : (\S+)/.exec(line);
      if (s) {
        step = `step ${s[1]}`;
        apt = new AptProgress();
        this.set(name, step);
        return;
      }
      const a = apt.feed(line);
      if (a) this.set(name, `${step}, ${a}`);
    };
  }

  done(name: string): void {
    this.set(name, 'built');
  }

  private set(name: string, text: string): void {
    this.parts.set(name, text);
    const line = [...this.parts].map(([n, t]) => `${n}: ${t}`).join(' · ');
    if (line !== this.last) {
      this.last = line;
      this.emit(line);
    }
  }
}
