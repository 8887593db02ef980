// Log lines in the glog layout Mesos uses (`I1128 06:40:00.123456  1 file] msg`),
// so log scrapers written for the real components keep working.
function stamp(level: string): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 ${String(process.pid).padStart(5)}`;
}

export function makeLogger(source: string) {
  return {
    info: (msg: string) => console.log(`${stamp('I')} ${source}] ${msg}`),
    warn: (msg: string) => console.error(`${stamp('W')} ${source}] ${msg}`),
    error: (msg: string) => console.error(`${stamp('E')} ${source}] ${msg}`),
  };
}
