// What the add-ons add to `mesos-up env` and the fixture's env, from a
// cluster's description (kept apart so the CLI loads it without the rest).
import type { ClusterInfo } from './describe.js';

export const addonEnv = (info: Pick<ClusterInfo, 'mesosDns' | 'marathonLb' | 'metronome'>): Record<string, string> => ({
  ...(info.mesosDns?.dnsAddr ? { MESOS_DNS_ADDR: info.mesosDns.dnsAddr } : {}),
  ...(info.marathonLb?.url ? { MARATHON_LB_URL: info.marathonLb.url } : {}),
  ...(info.metronome?.url ? { METRONOME_URL: info.metronome.url } : {}),
});
