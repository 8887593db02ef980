/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Browser helpers shared by the two pages: an escaping html`` template, and the
// formatting of times, sizes and numbers. No framework: views are strings of
// escaped HTML written into a few containers.

/** HTML that is already safe to insert. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

function part(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(String(v));
}

/** A template whose interpolations are escaped, unless they are Html (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += part(v) + strings[i + 1]!));
  return new Html(out);
}

export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document): T => {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`no element ${sel}`);
  return el;
};

const written = new WeakMap<Element, string>();
/**
 * Replaces the element's content, only when it changed since the last call, so a
 * refresh that brings the same data keeps selections, focus and hover alone.
 */
export function setHtml(el: Element, h: Html): void {
  if (written.get(el) === h.text) return;
  written.set(el, h.text);
  el.innerHTML = h.text;
  ageTimes(el);
}

/** Writes "… ago" into the <time> elements (when() renders them with a stable text). */
export function ageTimes(root: ParentNode = document): void {
  const now = Date.now();
  for (const t of root.querySelectorAll<HTMLTimeElement>('time[datetime]')) t.textContent = ago(Date.parse(t.dateTime), now);
}

/** "12s ago", "3 min ago", "2 h ago", "4 d ago". */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Local "2024-05-01 12:03:04". */
export function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A time cell: relative (see ageTimes), with the absolute time in the tooltip. */
export function when(value: string | number | undefined | null): Html {
  if (value === undefined || value === null || value === '') return html`<span class="muted">–</span>`;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return html`${String(value)}`;
  return html`<time datetime="${new Date(ms).toISOString()}" title="${stamp(ms)}">${stamp(ms)}</time>`;
}

/** Mesos and Marathon count memory and disk in MB. */
export function megabytes(mb: number | undefined): string {
  if (mb === undefined || Number.isNaN(mb)) return '–';
  if (mb >= 1024) return `${trim(mb / 1024)} GB`;
  return `${trim(mb)} MB`;
}

/** At most 2 decimals, no trailing zeros. */
export function trim(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  return String(Math.round(n * 100) / 100);
}

/** A horizontal bar: used (and optionally offered) out of total. */
export function bar(used: number, total: number, offered = 0): Html {
  const pct = (x: number) => (total > 0 ? Math.min(100, (x / total) * 100) : 0);
  return html`<span class="bar" aria-hidden="true"><span class="bar-used" style="width:${pct(used).toFixed(1)}%"></span><span class="bar-offered" style="width:${pct(offered).toFixed(1)}%"></span></span>`;
}

/** Short ids in tables; the full one in the tooltip. */
export function shortId(id: string, keep = 8): Html {
  if (id.length <= keep * 2 + 1) return html`<code>${id}</code>`;
  return html`<code title="${id}">${id.slice(0, keep)}…${id.slice(-keep)}</code>`;
}
