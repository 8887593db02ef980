// App definitions from files (JSON or YAML) or from flags.
import { readFileSync } from 'node:fs';
import { parseYaml } from '../util/parse-yaml.js';
import { MesosUpError } from '../errors.js';
import type { AppDefinition } from './types.js';

export function readAppDocument(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MesosUpError('USAGE', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: 'check the path of the app file' });
  }
  let doc: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    doc = parseYaml(text);
  } catch (err) {
    throw new MesosUpError('USAGE', `${file} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`, { hint: 'fix the syntax of the app file' });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MesosUpError('USAGE', `${file} must hold one app definition (an object with "id"), not ${Array.isArray(doc) ? 'a list' : typeof doc}`);
  }
  return doc as Record<string, unknown>;
}

export interface AppFlags {
  id?: string;
  cmd?: string;
  cpus?: number;
  mem?: number;
  instances?: number;
  port?: number[];
  image?: string;
}

/** An app from flags; `--port N` asks for host port N exactly (requirePorts). */
export function appFromFlags(f: AppFlags): Partial<AppDefinition> {
  const app: Partial<AppDefinition> = {};
  if (f.id !== undefined) app.id = f.id;
  if (f.cmd !== undefined) app.cmd = f.cmd;
  if (f.cpus !== undefined) app.cpus = f.cpus;
  if (f.mem !== undefined) app.mem = f.mem;
  if (f.instances !== undefined) app.instances = f.instances;
  if (f.port?.length) {
    app.portDefinitions = f.port.map((port) => ({ port }));
    app.requirePorts = f.port.every((p) => p !== 0);
  }
  if (f.image !== undefined) app.container = { type: 'DOCKER', docker: { image: f.image } };
  return app;
}

/**
 * `app deploy --lb [vhost]`: the Marathon-LB labels for the common case. The
 * app joins the load balancer's group (HAPROXY_GROUP); with a vhost, its first
 * port also answers on the LB's port 80 for that Host (HAPROXY_0_VHOST). An app
 * without ports gets one, whose service port Marathon assigns. Labels the app
 * already has are kept, except these two.
 */
export function withLoadBalancer(def: AppDefinition, lb: { vhost?: string; group: string }): AppDefinition {
  if (lb.vhost !== undefined && !/^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/.test(lb.vhost)) {
    throw new MesosUpError('USAGE', `--lb ${lb.vhost} is not a host name (or a comma-separated list of them)`, { hint: 'e.g. --lb web.local; or --lb alone for the service port only' });
  }
  const labels = { ...(def.labels ?? {}), HAPROXY_GROUP: lb.group, ...(lb.vhost ? { HAPROXY_0_VHOST: lb.vhost } : {}) };
  const hasPorts = !!def.portDefinitions?.length || !!def.container?.portMappings?.length || !!def.container?.docker?.portMappings?.length;
  return { ...def, labels, ...(hasPorts ? {} : { portDefinitions: [{ port: 0 }] }) };
}
