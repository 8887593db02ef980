// What a test gets: URLs, environment, a Marathon client, the agents, logs,
// and stop(); the same shape for a cluster mesos-up started and for one it
// merely connected to.
import type { ClusterInfo } from '../lifecycle/describe.js';
import type { ServiceEndpoint, TaskEndpoint } from '../lifecycle/task-ports.js';
import { MarathonClient } from '../marathon/client.js';
import type { MetronomeClient } from '../metronome/client.js';
import type { App, AppDefinition, DeploymentResult } from '../marathon/types.js';

export interface AgentHandle {
  name: string;
  ip: string;
  /** the agent's HTTP API from the host (through the cluster's gateway) */
  url?: string;
  /** task ports published on the agent itself (agents.publishPorts, opt-in): task port → 127.0.0.1 host port */
  ports: Record<string, number>;
}

export interface ClusterHandle extends AsyncDisposable {
  name: string;
  masterUrl: string;
  marathonUrl: string;
  zkUrl: string;
  /** MESOS_MASTER_URL, MARATHON_URL, ZK_URL, and with the add-ons MESOS_DNS_ADDR, MARATHON_LB_URL and METRONOME_URL */
  env: Record<string, string>;
  /** the Mesos-DNS add-on (addons: { mesosDns: {} }): DNS over UDP at dnsAddr (`127.0.0.1:<port>`), its HTTP API at url */
  mesosDns?: { dnsAddr: string; url?: string };
  /**
   * the Marathon-LB add-on (addons: { marathonLb: {} }): url is its vhost port
   * (send `Host: <HAPROXY_0_VHOST>`), statsUrl its :9090; serviceEndpoints()
   * reads where each service port is reached, fresh
   */
  marathonLb?: { url: string; statsUrl?: string; serviceEndpoints(): Promise<ServiceEndpoint[]> };
  /** the Metronome add-on (addons: { metronome: {} }): its jobs API, and a client for it */
  metronome?: { url: string; client: MetronomeClient };
  marathon: MarathonClient;
  agents: AgentHandle[];
  /**
   * Where the host reaches each port of each running task (of one app when
   * given), read fresh: through the gateway for clusters mesos-up started, the
   * task's own host and port for connected ones.
   */
  taskEndpoints(appId?: string): Promise<TaskEndpoint[]>;
  /** the cluster as `mesos-up status` describes it (undefined for connected clusters) */
  info?: ClusterInfo;
  /** logs of a role or container (all components when omitted) */
  logs(target?: string): Promise<string>;
  /** removes the cluster (or, for a connected cluster, the apps this handle deployed) */
  stop(): Promise<void>;
}

/** A Marathon client that remembers which apps it created, so they can be removed again. */
export class TrackingMarathonClient extends MarathonClient {
  readonly created = new Set<string>();

  override createApp = async (app: AppDefinition): Promise<App> => {
    const created = (await this.request<App>('POST', '/v2/apps', app)).body;
    this.created.add(created.id);
    return created;
  };

  override updateApp = async (app: AppDefinition, force = false): Promise<DeploymentResult> => {
    const r = await this.request<DeploymentResult>('PUT', `/v2/apps/${app.id.replace(/^\/+/, '')}`, app, { force });
    this.created.add(app.id.startsWith('/') ? app.id : `/${app.id}`);
    return r.body;
  };

  /** Deletes every app this client created (force: running deployments are overridden). */
  async removeCreated(): Promise<void> {
    for (const id of this.created) {
      await this.deleteApp(id, true).catch(() => undefined);
      this.created.delete(id);
    }
  }
}

export const envOf = (masterUrl: string, marathonUrl: string, zkUrl: string, addons: Record<string, string> = {}): Record<string, string> => ({
  MESOS_MASTER_URL: masterUrl,
  MARATHON_URL: marathonUrl,
  ZK_URL: zkUrl,
  ...addons,
});
