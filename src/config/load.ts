// Reads cluster.yaml, validates it strictly and merges defaults and CLI flags
// into a ClusterSpec. Every error names file:line:col.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Node, type Document } from 'yaml';
import type { z } from 'zod';
import { MesosUpError } from '../errors.js';
import { parseDuration } from './duration.js';
import { parsePortRanges, type PortRange } from './port-ranges.js';
import { defaultSpec, MARATHON_LB_GROUP } from './defaults.js';
import { applyOverrides, findClusterFile, type Overrides } from './overrides.js';
import { clusterSchema, crossCheck, type ClusterFile, type ClusterSpec } from './schema.js';
import { placedMasters } from './placement.js';

export type { Overrides } from './overrides.js';

interface Source {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

function position(src: Source, offset: number): string {
  const { line, col } = src.lines.linePos(offset);
  return `${src.file}:${line}:${col}`;
}

/** The nearest node for a path (the key itself for unknown keys). */
function locate(src: Source, pathParts: Array<string | number>, key?: string): string {
  let node: unknown = src.doc.contents;
  let best = (node as Node | null)?.range?.[0] ?? 0;
  for (const part of [...pathParts, ...(key === undefined ? [] : [key])]) {
    if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
    const items = (node as { items: unknown[] }).items;
    let next: unknown;
    if (typeof part === 'number') next = items[part];
    else {
      const pair = items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === part);
      if (pair && isPair(pair)) {
        if (part === key) {
          best = (pair.key as Node).range?.[0] ?? best;
          break;
        }
        next = pair.value;
        best = (pair.value as Node | null)?.range?.[0] ?? (pair.key as Node).range?.[0] ?? best;
      }
    }
    if (next === undefined) break;
    node = next;
    best = (next as Node | null)?.range?.[0] ?? best;
  }
  return position(src, best);
}

function describeIssue(issue: z.core.$ZodIssue): Array<{ path: Array<string | number>; key?: string; message: string }> {
  const p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: p, key, message: `unknown key "${[...p, key].join('.')}"` }));
  }
  return [{ path: p, message: `${p.join('.') || '(top level)'} ${issue.message}` }];
}

function configError(file: string, problems: string[]): MesosUpError {
  return new MesosUpError('CONFIG', `${path.basename(file)} is not valid:\n  ${problems.join('\n  ')}`, {
    hint: `fix ${file} (the format is in the README, section cluster.yaml), or run without -f to use the defaults`,
  });
}

/** Parses and validates the text of a cluster file. */
export function parseClusterFile(text: string, file: string): { file: ClusterFile; source: Source } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src: Source = { file, doc, lines };
  if (doc.errors.length) {
    throw configError(
      file,
      doc.errors.map((e) => `${position(src, e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}`),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw configError(file, [`${position(src, 0)}: the file must be a mapping of keys (apiVersion, kind, name, masters, agents, ...)`]);
  }
  const parsed = clusterSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(describeIssue).map((d) => `${locate(src, d.path, d.key)}: ${d.message}`);
    throw configError(file, problems);
  }
  return { file: parsed.data, source: src };
}

const ranges = (text: string | undefined, fallback: PortRange[]): PortRange[] => {
  if (text === undefined) return fallback;
  const r = parsePortRanges(text);
  return typeof r === 'string' ? fallback : r;
};

const flagText = (flags: Record<string, string | number | boolean> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(flags ?? {}).map(([k, v]) => [k, String(v)]));

function merge(f: ClusterFile): ClusterSpec {
  const d = defaultSpec();
  return {
    name: f.name ?? d.name,
    images: f.images ?? d.images,
    imageOverrides: {
      ...(f.zookeeper?.image ? { zookeeper: f.zookeeper.image } : {}),
      ...(f.masters?.image ? { master: f.masters.image } : {}),
      ...(f.agents?.image ? { agent: f.agents.image } : {}),
      ...(f.marathon?.image ? { marathon: f.marathon.image } : {}),
    },
    // (with engines placing the masters and no count given, the count is theirs)
    masters: { count: (f.masters?.count ?? placedMasters(f.engines) ?? d.masters.count) as 1 | 3 | 5, flags: flagText(f.masters?.flags) },
    agents: {
      // public agents come on top of the default private one unless a count is
      // given; with engines listed, the agents are theirs
      count: f.agents?.count ?? (f.engines ? f.engines.reduce((n, e) => n + e.agents, 0) : d.agents.count + (f.agents?.public ?? 0)),
      public: f.agents?.public ?? d.agents.public,
      resources: {
        cpus: f.agents?.resources?.cpus ?? d.agents.resources.cpus,
        mem: f.agents?.resources?.mem ?? d.agents.resources.mem,
        disk: f.agents?.resources?.disk ?? d.agents.resources.disk,
        ports: ranges(f.agents?.resources?.ports, d.agents.resources.ports),
      },
      publishPorts: ranges(f.agents?.publishPorts, d.agents.publishPorts),
      containerizers: f.agents?.containerizers ?? d.agents.containerizers,
      flags: flagText(f.agents?.flags),
    },
    marathon: {
      localPortMin: f.marathon?.localPortMin ?? d.marathon.localPortMin,
      localPortMax: f.marathon?.localPortMax ?? d.marathon.localPortMax,
      args: f.marathon?.args ?? d.marathon.args,
    },
    ports: {
      master: f.ports?.master ?? d.ports.master,
      marathon: f.ports?.marathon ?? d.ports.marathon,
      zookeeper: f.ports?.zookeeper ?? d.ports.zookeeper,
    },
    gateway: { taskPorts: f.gateway?.taskPorts ?? d.gateway.taskPorts },
    network: f.network?.subnet ? { subnet: f.network.subnet } : d.network,
    timeouts: { upMs: f.timeouts?.up ? parseDuration(f.timeouts.up)! : d.timeouts.upMs },
    engines:
      f.engines?.map((e) => ({
        endpoint: e.endpoint,
        agents: e.agents,
        ...(e.advertise ? { advertise: e.advertise } : {}),
        ...(e.masters !== undefined ? { masters: e.masters } : {}),
        ...(e.zookeeper ? { zookeeper: true as const } : {}),
        ...(e.marathon ? { marathon: true as const } : {}),
      })) ?? d.engines,
    addons: {
      mesosDns: f.addons?.mesosDns !== undefined || d.addons.mesosDns,
      ...(f.addons?.marathonLb ? { marathonLb: { group: f.addons.marathonLb.group ?? MARATHON_LB_GROUP } } : {}),
      metronome: f.addons?.metronome !== undefined || d.addons.metronome,
    },
  };
}

/** The spec from a cluster document given as an object (the programmatic API), validated like a file. */
export function specFromObject(doc: unknown, overrides: Overrides = {}, label = 'config object'): ClusterSpec {
  const parsed = clusterSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    throw configError(label, parsed.error.issues.flatMap(describeIssue).map((d) => `${[...d.path, ...(d.key ? [d.key] : [])].join('.') || '(top level)'}: ${d.message}`));
  }
  const spec = merge(parsed.data);
  if (parsed.data.agents?.containerizers) spec.agents.containerizersFrom = label;
  const problems = crossCheck(spec).map(([p, msg]) => `${p.join('.')} ${msg}`);
  if (problems.length) throw configError(label, problems);
  return applyOverrides(spec, overrides);
}

/**
 * The spec for a run: `configPath` if given (must exist), else ./cluster.yaml when
 * present, else the defaults; then CLI overrides.
 */
export function loadSpec(configPath: string | undefined, overrides: Overrides = {}, cwd = process.cwd()): { spec: ClusterSpec; file?: string } {
  const file = findClusterFile(configPath, cwd);
  let spec = defaultSpec();
  if (file) {
    const { file: parsed, source } = parseClusterFile(readFileSync(file, 'utf8'), file);
    spec = merge(parsed);
    if (parsed.agents?.containerizers) spec.agents.containerizersFrom = file;
    const problems = crossCheck(spec).map(([p, msg]) => `${locate(source, p)}: ${p.join('.')} ${msg}`);
    if (problems.length) throw configError(file, problems);
  }
  spec = applyOverrides(spec, overrides);
  return file ? { spec, file } : { spec };
}
