// Turns apt-get's output into one short progress line ("installing packages
// 45/120"), so image builds and host setup show where they are instead of
// hundreds of raw lines (those go to a log file).

export class AptProgress {
  private total: number | undefined;
  private fetched = 0;
  private unpacked = 0;
  private configured = 0;
  private phase: 'lists' | 'download' | 'install' | undefined;

  /** Feeds one line of apt output; returns the new summary when it changed. */
  feed(line: string): string | undefined {
    const before = this.summary();
    const summary = /(\d+) upgraded, (\d+) newly installed/.exec(line);
    if (summary) {
      this.total = Number(summary[1]) + Number(summary[2]);
      this.phase = 'download';
    } else if (/^(Get|Hit|Ign):\d+ \S+ \S+ (InRelease|Release)\b/.test(line) || /^Reading package lists/.test(line)) {
      this.phase ??= 'lists';
    } else if (/^Get:\d+ /.test(line)) {
      this.fetched++;
      this.phase = 'download';
    } else if (/^Unpacking /.test(line)) {
      this.unpacked++;
      this.phase = 'install';
    } else if (/^Setting up /.test(line)) {
      this.configured++;
      this.phase = 'install';
    }
    const after = this.summary();
    return after !== before ? after : undefined;
  }

  summary(): string | undefined {
    const of = this.total ? `/${this.total}` : '';
    switch (this.phase) {
      case 'lists':
        return 'reading package lists';
      case 'download':
        return `downloading packages ${this.fetched}${of}`;
      case 'install':
        // Each package is unpacked, then set up: count both halves.
        return `installing packages ${Math.floor((this.unpacked + this.configured) / 2)}${of}`;
      default:
        return undefined;
    }
  }
}
