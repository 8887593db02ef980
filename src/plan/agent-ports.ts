// The port ranges each agent offers. A real (official) agent's Docker tasks in
// BRIDGE mode bind their host ports on the engine's host (`docker run -p`), which
// every agent of the cluster shares: two agents offering the same ports would
// let Marathon place two such tasks on one host port, and the second fails with
// "port is already allocated". So official agents with the docker containerizer
// each get their own slice of every configured range. The emulated agent serves
// its Docker tasks' ports inside its own container, so it keeps the full ranges.
import type { ClusterSpec } from '../config/schema.js';
import { fmt, rangeSize, type PortRange } from '../config/port-ranges.js';
import { MesosUpError } from '../errors.js';
import type { Flavour } from './types.js';

/** Do this flavour's agents need disjoint port ranges? */
export const agentsSplitPorts = (spec: ClusterSpec, flavour: Flavour): boolean =>
  flavour === 'official' && spec.agents.count > 1 && spec.agents.containerizers.includes('docker');

/**
 * Slice `index` (1-based) of `count` near-equal consecutive slices of `range`:
 * 8000-8100 in two is 8000-8049 and 8050-8100. Undefined when the range has
 * fewer ports than slices.
 */
export function sliceRange(range: PortRange, index: number, count: number): PortRange | undefined {
  const size = range.end - range.begin + 1;
  if (size < count) return undefined;
  const begin = range.begin + Math.floor(((index - 1) * size) / count);
  const end = range.begin + Math.floor((index * size) / count) - 1;
  return { begin, end };
}

/** The ranges agent `index` (1-based) offers; a config error when a range cannot give every agent a port. */
export function agentPortRanges(spec: ClusterSpec, flavour: Flavour, index: number): PortRange[] {
  const { ports } = spec.agents.resources;
  if (!agentsSplitPorts(spec, flavour)) return ports;
  const count = spec.agents.count;
  return ports.map((r) => {
    const slice = sliceRange(r, index, count);
    if (!slice) {
      throw new MesosUpError(
        'CONFIG',
        `agents.resources.ports range ${fmt(r)} has ${rangeSize([r])} port${r.begin === r.end ? '' : 's'}, fewer than agents.count (${count}): official agents with the docker containerizer share the engine's host ports, so each gets its own slice of every range`,
        { hint: `widen that range to at least ${count} ports, lower agents.count (or --agents), or remove docker from agents.containerizers` },
      );
    }
    return slice;
  });
}
