// Mesos-DNS' config.json (records/config.go): keys matched without regard to
// case, unknown keys ignored, the defaults of NewConfig, and SetConfig's
// fatal checks with their texts.
import fs from 'node:fs';
import path from 'node:path';

/** The fields in Config's order (the order /v1/config writes them in), with their defaults. */
const DEFAULTS = {
  RefreshSeconds: 60,
  Port: 53,
  Timeout: 5,
  StateTimeoutSeconds: 300,
  ZkDetectionTimeout: 30,
  HttpPort: 8123,
  TTL: 60,
  SRVRecordDefaultWeight: 1,
  SOASerial: 0,
  SOARefresh: 60,
  SOARetry: 600,
  SOAExpire: 86400,
  SOAMinttl: 60,
  SOAMname: 'ns1.mesos',
  SOARname: 'root.ns1.mesos',
  Masters: null as string[] | null,
  ZoneResolvers: {} as Record<string, string[]>,
  Resolvers: ['8.8.8.8'],
  IPSources: ['netinfo', 'mesos', 'host'],
  Zk: '',
  Domain: 'mesos',
  File: '',
  Listener: '0.0.0.0',
  HTTPListener: '0.0.0.0',
  RecurseOn: true,
  DnsOn: true,
  HttpOn: true,
  ExternalOn: true,
  EnforceRFC952: false,
  SetTruncateBit: true,
  EnumerationOn: true,
  MesosHTTPSOn: false,
  CACertFile: '',
  CertFile: '',
  KeyFile: '',
  MesosCredentials: { Principal: '', Secret: '' },
  IAMConfigFile: '',
  MesosAuthentication: '',
};

export type DnsConfig = typeof DEFAULTS;

export class ConfigError extends Error {}

const DOMAIN = /^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*$/;

/** readConfig + SetConfig: the file over the defaults, normalised and checked. */
export function loadConfig(file: string): DnsConfig {
  const abs = path.resolve(file.replace(/^~\//, `${process.env.HOME ?? ''}/`));
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new ConfigError(`missing configuration file: "${abs}"`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`failed to unmarshal config file "${abs}": ${(err as Error).message}`);
  }
  const cfg = structuredClone(DEFAULTS) as DnsConfig & Record<string, unknown>;
  const byLower = new Map(Object.keys(DEFAULTS).map((k) => [k.toLowerCase(), k]));
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const key = byLower.get(k.toLowerCase());
    if (!key || v === null) continue;
    const def = (DEFAULTS as Record<string, unknown>)[key];
    const type = def === null ? 'object' : typeof def;
    if (typeof v !== type) throw new ConfigError(`failed to unmarshal config file "${abs}": json: cannot unmarshal ${typeof v} into Go struct field Config.${key} of type ${type === 'object' ? 'slice' : type}`);
    // (a struct is filled field by field, its keys matched without regard to case too)
    if (key === 'MesosCredentials') {
      for (const [ck, cv] of Object.entries(v as Record<string, unknown>)) {
        const field = ['Principal', 'Secret'].find((f) => f.toLowerCase() === ck.toLowerCase());
        if (field && typeof cv === 'string') cfg.MesosCredentials[field as 'Principal' | 'Secret'] = cv;
      }
    } else cfg[key] = v;
  }
  cfg.File = abs;
  if (!cfg.DnsOn && !cfg.HttpOn) throw new ConfigError('service validation failed: either DNS or HTTP server should be on');
  if (!cfg.Masters?.length && !cfg.Zk) throw new ConfigError('service validation failed: specify Mesos masters or Zookeeper in config.json');
  const seen = new Set<string>();
  for (const m of cfg.Masters ?? []) {
    const port = Number(/:(\d+)$/.exec(m)?.[1]);
    if (!/:(\d+)$/.test(m) || !(port >= 1 && port <= 65535)) throw new ConfigError(`error validating masters: illegal host:port specified: ${m}`);
    if (seen.has(m)) throw new ConfigError(`error validating masters: duplicate found: ${m}`);
    seen.add(m);
  }
  // (resolvers matter, and are checked, only when names outside the domain are forwarded)
  for (const r of cfg.ExternalOn ? cfg.Resolvers : []) {
    if (!/^\[?[0-9a-fA-F.:]+\]?(:\d+)?$/.test(r)) throw new ConfigError(`error validating resolvers: illegal ip specified: ${r}`);
  }
  if (!cfg.IPSources.length) throw new ConfigError('IPSources validation failed: empty ip sources');
  if (new Set(cfg.IPSources).size !== cfg.IPSources.length) throw new ConfigError('IPSources validation failed: duplicate ip source specified');
  const bad = cfg.IPSources.find((s) => !['host', 'docker', 'mesos', 'netinfo'].includes(s));
  if (bad) throw new ConfigError(`IPSources validation failed: invalid ip source "${bad}"`);
  if (cfg.StateTimeoutSeconds <= 0) throw new ConfigError(`Invalid HTTP Timeout: ${cfg.StateTimeoutSeconds}`);
  cfg.Domain = cfg.Domain.toLowerCase();
  if (!DOMAIN.test(cfg.Domain)) throw new ConfigError(`${cfg.Domain} is not a valid domain name`);
  cfg.SOAMname = `${cfg.SOAMname.replace(/\.+$/, '')}.`;
  cfg.SOARname = `${cfg.SOARname.split('@').join('.').replace(/\.+$/, '')}.`;
  return cfg;
}
