// Creating, starting, inspecting, listing and removing containers.
import type Docker from 'dockerode';
import type { ContainerPlan } from '../plan/types.js';
import { startError, statusOf } from './errors.js';
import { writeFiles } from './files.js';

export interface RunningContainer {
  id: string;
  name: string;
  /** address on the cluster network */
  ip: string;
  /** container port → host port on 127.0.0.1 */
  ports: Map<number, number>;
}

function createOptions(plan: ContainerPlan): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of plan.ports) {
    const key = `${p.container}/${p.protocol ?? 'tcp'}`;
    exposed[key] = {};
    bindings[key] = [{ HostIp: p.hostIp, HostPort: p.host ? String(p.host) : '' }];
  }
  return {
    name: plan.name,
    Image: plan.image,
    Hostname: plan.hostname,
    ...(plan.entrypoint ? { Entrypoint: plan.entrypoint } : {}),
    ...(plan.cmd.length ? { Cmd: plan.cmd } : {}),
    Env: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
    Labels: plan.labels,
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Binds: [...plan.binds, ...(plan.volumes ?? []).map((v) => `${v.name}:${v.target}`)],
      NetworkMode: plan.network,
      ...(plan.dns?.length ? { Dns: plan.dns } : {}),
      Privileged: false,
      Init: false,
    },
    NetworkingConfig: {
      EndpointsConfig: {
        [plan.network]: { Aliases: [plan.name], ...(plan.ip ? { IPAMConfig: { IPv4Address: plan.ip } } : {}) },
      },
    },
  };
}

/** Creates the container (labelled, so cleanup finds it even if start fails). */
export async function createContainer(docker: Docker, plan: ContainerPlan): Promise<Docker.Container> {
  const container = await docker.createContainer(createOptions(plan));
  await writeFiles(container, plan.files ?? []);
  return container;
}

export async function startContainer(docker: Docker, container: Docker.Container, plan: ContainerPlan): Promise<RunningContainer> {
  try {
    await container.start();
  } catch (err) {
    throw startError(plan.name, err);
  }
  return describe(await container.inspect(), plan.network);
}

export function describe(info: Docker.ContainerInspectInfo, network?: string): RunningContainer {
  const nets = info.NetworkSettings.Networks ?? {};
  const net = network ? nets[network] : Object.values(nets)[0];
  const ports = new Map<number, number>();
  for (const [key, binds] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const hostPort = binds?.[0]?.HostPort;
    if (hostPort) ports.set(Number(key.split('/')[0]), Number(hostPort));
  }
  return { id: info.Id, name: info.Name.replace(/^\//, ''), ip: net?.IPAddress ?? '', ports };
}

export async function listContainers(docker: Docker, labels: string[], all = true): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all, filters: { label: labels } });
}

/** Force-removes a container and its anonymous volumes; gone already is fine. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
  }
}

/** Last lines of a container's output (stdout and stderr interleaved). */
export async function tailLogs(docker: Docker, id: string, lines = 20): Promise<string> {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demux(buf);
  } catch {
    return '';
  }
}

/** Docker's multiplexed log stream: 8-byte headers, then the payload. */
export function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return i === 0 ? buf.toString('utf8') : Buffer.concat(out).toString('utf8');
}
