// Small statistics over lists of milliseconds.

export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (xs) => quantile(xs, 0.5);

/** median, min, max, quartiles and the count of a sample. */
export function summary(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return { n: 0, median: NaN, min: NaN, max: NaN, q1: NaN, q3: NaN };
  return { n: v.length, median: median(v), min: Math.min(...v), max: Math.max(...v), q1: quantile(v, 0.25), q3: quantile(v, 0.75) };
}

/** 5.43 s / 812 ms */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

/** "5.43 s (4.98–6.10 s, n=5)" */
export function fmtSummary(s) {
  if (!s.n) return 'n/a';
  const range = s.max >= 1000 ? `${(s.min / 1000).toFixed(2)}–${(s.max / 1000).toFixed(2)} s` : `${Math.round(s.min)}–${Math.round(s.max)} ms`;
  return `${fmtMs(s.median)} (${range}, n=${s.n})`;
}

export const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
export const fmtPct = (r) => (Number.isFinite(r) ? `${(r * 100).toFixed(1)} %` : 'n/a');
export const fmtMiB = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'n/a');
