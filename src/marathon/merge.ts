// Combining app documents: shallow like `jq -s add` (later keys win), or deep
// (objects merged key by key, anything else replaced).

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function shallowMerge(docs: Array<Record<string, unknown>>): Record<string, unknown> {
  return Object.assign({}, ...docs) as Record<string, unknown>;
}

export function deepMerge(docs: Array<Record<string, unknown>>): Record<string, unknown> {
  const merge = (a: unknown, b: unknown): unknown => {
    if (!isObject(a) || !isObject(b)) return structuredClone(b);
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : structuredClone(v);
    return out;
  };
  return docs.reduce<Record<string, unknown>>((acc, d) => merge(acc, d) as Record<string, unknown>, {});
}
