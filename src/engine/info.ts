// What the engine says about itself, for `mesos-up doctor`.
import type Docker from 'dockerode';

export interface EngineFacts {
  serverVersion: string;
  apiVersion: string;
  os: string;
  cgroupVersion: string;
  cgroupDriver: string;
  rootless: boolean;
  cpus: number;
  memBytes: number;
}

export async function engineFacts(docker: Docker): Promise<EngineFacts> {
  const [info, version] = await Promise.all([docker.info() as Promise<Record<string, unknown>>, docker.version()]);
  const security = (info.SecurityOptions as string[] | undefined) ?? [];
  return {
    serverVersion: String(info.ServerVersion ?? version.Version),
    apiVersion: version.ApiVersion,
    os: String(info.OperatingSystem ?? ''),
    cgroupVersion: String(info.CgroupVersion ?? '1'),
    cgroupDriver: String(info.CgroupDriver ?? ''),
    rootless: security.some((s) => s.includes('rootless')),
    cpus: Number(info.NCPU ?? 0),
    memBytes: Number(info.MemTotal ?? 0),
  };
}
