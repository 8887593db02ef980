// What the engine says about itself, for `mesos-up doctor` and the preflight of
// the official images.
import type Docker from 'dockerode';

export interface EngineFacts {
  serverVersion: string;
  apiVersion: string;
  /** the oldest API version the engine still accepts from a client */
  minApiVersion: string;
  os: string;
  cgroupVersion: string;
  cgroupDriver: string;
  rootless: boolean;
  cpus: number;
  memBytes: number;
}

/** The facts from the engine's `GET /info` and `GET /version` answers. */
export function engineFactsFrom(info: Record<string, unknown>, version: Record<string, unknown>): EngineFacts {
  const security = (info.SecurityOptions as string[] | undefined) ?? [];
  return {
    serverVersion: String(info.ServerVersion ?? version.Version),
    apiVersion: String(version.ApiVersion ?? ''),
    // Engines that do not report it (before Docker 1.13) accepted 1.12 and newer.
    minApiVersion: String(version.MinAPIVersion ?? '1.12'),
    os: String(info.OperatingSystem ?? ''),
    // Engines before 20.10 do not report it, and they ran only on cgroup v1.
    cgroupVersion: String(info.CgroupVersion ?? '1'),
    cgroupDriver: String(info.CgroupDriver ?? ''),
    rootless: security.some((s) => s.includes('rootless')),
    cpus: Number(info.NCPU ?? 0),
    memBytes: Number(info.MemTotal ?? 0),
  };
}

export async function engineFacts(docker: Docker): Promise<EngineFacts> {
  const [info, version] = await Promise.all([docker.info() as Promise<Record<string, unknown>>, docker.version() as unknown as Promise<Record<string, unknown>>]);
  return engineFactsFrom(info, version);
}
