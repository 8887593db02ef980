// The emulated Mesos-DNS: reads config.json, polls the leading master's
// /master/state every RefreshSeconds (following its `leader`), keeps the
// records of the last good poll, and serves DNS and the HTTP API once the
// first poll succeeded (as v0.7.0-rc2 does).
import os from 'node:os';
import { ConfigError, loadConfig } from './config.js';
import { serveDns } from './dns.js';
import { createHttpApi, VERSION } from './http-api.js';
import { buildRecords, type MasterState, type Records } from './records.js';

const out = (level: 'VERBOSE' | 'ERROR', text: string) => (level === 'ERROR' ? process.stderr : process.stdout).write(`${level}: ${text}\n`);

function args(): { config: string; version: boolean } {
  let config = 'config.json';
  let version = false;
  for (const a of process.argv.slice(2)) {
    const m = /^--?config=(.*)$/.exec(a);
    if (m) config = m[1]!;
    if (a === '-version' || a === '--version') version = true;
  }
  return { config, version };
}

/** The addresses Mesos-DNS is reached at: every non-loopback one for 0.0.0.0 (setFromLocal). */
function listenerIps(listener: string): string[] {
  if (listener === '0.0.0.0') return Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address);
  return [listener];
}

async function fetchState(hostPort: string, timeoutMs: number): Promise<MasterState> {
  const res = await fetch(`http://${hostPort}/master/state`, { headers: { 'Content-Type': 'application/json', 'User-Agent': 'Mesos-DNS' }, signal: AbortSignal.timeout(timeoutMs) });
  return (await res.json()) as MasterState;
}

/** LoadMasterStateTryAll: each master in turn; a standby's state names the leader, whose state is then read. */
async function loadState(masters: string[], timeoutMs: number): Promise<MasterState> {
  let last: Error = new Error('no masters given to fetch state.json');
  for (const m of masters) {
    try {
      const state = await fetchState(m, timeoutMs);
      if (!state.leader) throw new Error('fetched state does not contain leader information');
      const leaderIp = /@([^:]+):/.exec(state.leader)?.[1];
      const port = m.slice(m.lastIndexOf(':') + 1);
      if (leaderIp && leaderIp !== m.slice(0, m.lastIndexOf(':'))) return await fetchState(`${leaderIp}:${port}`, timeoutMs);
      return state;
    } catch (err) {
      last = err as Error;
    }
  }
  throw last;
}

async function main(): Promise<void> {
  const a = args();
  if (a.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  let cfg;
  try {
    cfg = loadConfig(a.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out('ERROR', err.message);
    process.exit(1);
  }
  if (cfg.Zk && !cfg.Masters?.length) {
    out('ERROR', 'this Mesos-DNS finds the leader through `masters` only: list the masters in config.json');
    process.exit(1);
  }
  let records: Records = { as: new Map(), aaaas: new Map(), srvs: new Map(), enumerate: [] };
  let serial = Math.floor(Date.now() / 1000);
  const masters = cfg.Masters ?? [];
  let ready: () => void = () => undefined;
  const firstLoad = new Promise<void>((r) => (ready = r));
  const reload = async () => {
    try {
      const state = await loadState(masters, cfg.StateTimeoutSeconds * 1000);
      records = buildRecords(state, {
        domain: cfg.Domain,
        soaMname: cfg.SOAMname,
        listenerIps: listenerIps(cfg.Listener),
        masters,
        ipSources: cfg.IPSources,
        enforceRfc952: cfg.EnforceRFC952,
      });
      serial = Math.floor(Date.now() / 1000);
      ready();
    } catch (err) {
      out('VERBOSE', `Warning: Error generating records: ${(err as Error).message}; keeping old DNS state`);
    }
  };
  // one poll at a time, the next RefreshSeconds after the last (a slow master must not let polls overlap)
  const poll = async (): Promise<void> => {
    await reload();
    setTimeout(() => void poll(), Math.max(cfg.RefreshSeconds, 1) * 1000);
  };
  void poll();
  await firstLoad;
  if (cfg.DnsOn) {
    await serveDns(cfg.Listener, cfg.Port, () => records, {
      domain: cfg.Domain,
      ttl: cfg.TTL,
      soa: { mname: cfg.SOAMname, rname: cfg.SOARname, refresh: cfg.SOARefresh, retry: cfg.SOARetry, expire: cfg.SOAExpire },
      serial: () => serial,
      srvWeight: cfg.SRVRecordDefaultWeight,
      recurseOn: cfg.RecurseOn,
      externalOn: cfg.ExternalOn,
      setTruncateBit: cfg.SetTruncateBit,
      resolvers: cfg.Resolvers,
      timeoutMs: (cfg.Timeout || 5) * 1000,
    }).catch((err: Error) => {
      out('ERROR', `failed to setup the DNS server on ${cfg.Listener}:${cfg.Port}: ${err.message}`);
      process.exit(1);
    });
  }
  if (cfg.HttpOn) createHttpApi(cfg, () => records, () => serial).listen(cfg.HttpPort, cfg.HTTPListener);
  out('VERBOSE', `Mesos-DNS ${VERSION} serving ${cfg.Domain}. on ${cfg.Listener}:${cfg.Port} (DNS) and ${cfg.HTTPListener}:${cfg.HttpPort} (HTTP)`);
}

main().catch((err: Error) => {
  out('ERROR', err.stack ?? err.message);
  process.exit(1);
});
