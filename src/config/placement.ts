// Where cluster.yaml's engines place the masters (engines[].masters). Apart
// from schema.ts so the command line's overrides read it without loading zod.

/**
 * The masters the engines place in all; undefined when none says, or when one
 * engine is listed (it runs everything, so its placement keys say nothing).
 */
export function placedMasters(engines: ReadonlyArray<{ masters?: number }> | undefined): number | undefined {
  const placed = engines && engines.length > 1 ? engines.filter((e) => e.masters !== undefined) : [];
  return placed.length ? placed.reduce((n, e) => n + e.masters!, 0) : undefined;
}
