// What a cluster is made of, as data: every container with its exact image,
// environment, flags, ports and mounts. Built by pure functions in plan/.
import type { Role } from '../config/schema.js';

export type { Role };

/** Roles of containers a plan starts: the cluster's components and its gateway. */
export type ComponentRole = Role | 'gateway' | 'mesos-dns' | 'marathon-lb' | 'metronome';

export interface PortBinding {
  /** port inside the container */
  container: number;
  /** udp for a DNS server's port; tcp when absent */
  protocol?: 'udp';
  /** port on the host; 0 = a free one chosen by the engine */
  host: number;
  /** always 127.0.0.1 unless a user asks otherwise */
  hostIp: string;
}

export interface ContainerPlan {
  name: string;
  role: ComponentRole;
  /** 1-based index within its role */
  index: number;
  image: string;
  /** undefined = the image's own entrypoint */
  entrypoint?: string[];
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: PortBinding[];
  /** host:container[:ro] bind mounts */
  binds: string[];
  /** named volumes, created (labelled) by the engine layer before the container */
  volumes?: VolumeMount[];
  /** files written into the container before it starts (a generated config file) */
  files?: Array<{ path: string; content: string }>;
  /** DNS servers its resolver asks for names Docker's own DNS does not know */
  dns?: string[];
  network: string;
  /** the engine it runs on, as cluster.yaml names it (`local`, a context, a URL); absent: the one engine */
  engine?: string;
  /** static address on the cluster network; undefined = assigned by the engine */
  ip?: string;
  hostname: string;
  /** what must hold before the next stage starts, for --dry-run and errors */
  readiness: string;
}

export interface VolumeMount {
  name: string;
  /** path inside the container */
  target: string;
  labels: Record<string, string>;
}

export type Flavour = 'official' | 'emulated';

export interface ImageSet {
  flavour: Flavour;
  zookeeper: string;
  master: string;
  agent: string;
  marathon: string;
  /** the gateway, built locally in both flavours (src/plan/gateway.ts) */
  gateway: string;
  /** the Mesos-DNS add-on */
  mesosDns: string;
  /** the Marathon-LB add-on */
  marathonLb: string;
  /** the Metronome add-on (ours in both flavours) */
  metronome: string;
}
