// Text renderings for the terminal: cluster summaries, tables, the dry-run plan.
import type { ClusterInfo } from '../lifecycle/describe.js';
import { STAGE_STARTS } from '../plan/cluster.js';
import { enginesFromLabels, gatewayPortsOf } from '../plan/engines.js';
import type { ContainerPlan } from '../plan/types.js';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatCluster(c: ClusterInfo): string {
  const lines: string[] = [];
  lines.push(`Cluster ${c.name}: ${c.health}${c.flavour ? ` (${c.flavour} images)` : ''}`);
  if (c.marathonUrl) lines.push(`  Marathon       ${c.marathonUrl}${c.marathon?.frameworkId ? `  (framework ${c.marathon.frameworkId})` : ''}`);
  if (c.masterUrl) lines.push(`  Mesos master   ${c.masterUrl}${c.leader ? `  (leader ${c.leader})` : '  (no leader elected)'}`);
  if (c.zkUrl) lines.push(`  ZooKeeper      ${c.zkUrl}`);
  const rows: string[][] = [['  CONTAINER', 'ROLE', 'STATE', 'ADDRESS', 'HOST ACCESS']];
  for (const m of c.masters) rows.push([`  ${m.name}`, m.leader ? 'master (leader)' : 'master', m.state, m.ip, m.url ?? '-']);
  for (const a of c.agents) {
    const ports = Object.entries(a.ports).map(([cp, hp]) => `${cp}→${hp}`);
    const shown = ports.length > 3 ? `${ports.slice(0, 2).join(' ')} … ${ports[ports.length - 1]}` : ports.join(' ');
    const kind = a.public ? 'public agent' : 'agent';
    rows.push([`  ${a.name}`, a.active === undefined ? kind : a.active ? `${kind} (active)` : `${kind} (inactive)`, a.state, a.ip, `${a.url ?? '-'}${shown ? `  task ports ${shown}` : ''}`]);
  }
  if (c.marathon) rows.push([`  ${c.marathon.name}`, 'marathon', c.marathon.state, c.marathon.ip, c.marathon.url ?? '-']);
  if (c.zookeeper) rows.push([`  ${c.zookeeper.name}`, 'zookeeper', c.zookeeper.state, c.zookeeper.ip, c.zookeeper.hostPort ?? '-']);
  if (c.gateway) rows.push([`  ${c.gateway.name}`, 'gateway', c.gateway.state, c.gateway.ip, c.gateway.url ?? '-']);
  if (c.mesosDns) rows.push([`  ${c.mesosDns.name}`, 'mesos-dns', c.mesosDns.state, c.mesosDns.ip, c.mesosDns.dnsAddr ? `dns ${c.mesosDns.dnsAddr} (udp), ${c.mesosDns.url ?? '-'}` : '-']);
  if (c.marathonLb) {
    const lb = c.marathonLb;
    rows.push([`  ${lb.name}`, 'marathon-lb', lb.state, lb.ip, lb.url ? `http ${lb.url}, stats ${lb.statsUrl ?? '-'}/haproxy?stats` : '-']);
  }
  if (c.metronome) rows.push([`  ${c.metronome.name}`, 'metronome', c.metronome.state, c.metronome.ip, c.metronome.url ?? '-']);
  for (const t of c.tasks) rows.push([`  ${t.name}`, 'task container', t.state, '', t.image]);
  if (c.engines) {
    // A cluster spanning engines: which engine each container runs on.
    const engineOf = new Map(c.containers.map((x) => [x.name, x.engine ?? '']));
    rows.forEach((r, i) => r.splice(3, 0, i === 0 ? 'ENGINE' : engineOf.get(r[0]!.trim()) ?? ''));
    lines.push(`  Engines        ${c.engines.map((e) => `${e.endpoint} (${e.error ? `not answering: ${e.error}` : engineRoles(c, e)})`).join(', ')}`);
  }
  lines.push(table(rows));
  if (c.endpoints.length || c.unrouted.length) {
    lines.push('  Task ports (from the host, through the gateway):');
    const t: string[][] = c.endpoints.map((e) => [`    ${e.taskId}`, `${e.port} on ${e.agent}`, `→ ${e.address}`]);
    for (const u of c.unrouted) t.push([`    ${u.taskId}`, `${u.port}`, '→ not reachable: the gateway pool is full (raise gateway.taskPorts)']);
    lines.push(table(t));
  }
  if (c.marathonLb?.services.length || c.marathonLb?.unrouted.length) {
    lines.push('  Marathon-LB service ports (from the host, through the gateway):');
    const rows = c.marathonLb.services.map((s) => [`    ${s.name}`, `${s.port}`, `→ ${s.address}`]);
    for (const u of c.marathonLb.unrouted) rows.push([`    ${u.name}`, `${u.port}`, '→ not reachable: the gateway pool is full (raise gateway.taskPorts)']);
    lines.push(table(rows));
  }
  if (c.frameworks.length) {
    lines.push('  Frameworks:');
    for (const f of c.frameworks) lines.push(`    ${f.name} ${f.id} ${f.active ? 'active' : 'inactive'}, ${f.tasks} tasks, ${f.offersSent} offers sent`);
  }
  return lines.join('\n');
}

export function formatPlan(stages: ContainerPlan[][], network: string): string {
  const engines = enginesFromLabels(stages.flat().map((p) => ({ Labels: p.labels })));
  const gateway = stages.flat().find((p) => p.role === 'gateway');
  const out: string[] = [
    engines.length
      ? `network ${network} (attachable swarm overlay over the engines ${engines.join(', ')}; up starts a swarm on the first engine or joins them to its swarm, and down undoes only that; static addresses at .200 and up)`
      : `network ${network} (bridge, on the first free default pool unless network.subnet names one; static addresses at .200 and up)`,
  ];
  stages.forEach((stage, i) => {
    out.push(`stage ${i + 1}: ${stage.map((p) => p.name).join(', ')}${STAGE_STARTS[i] ? ` (${STAGE_STARTS[i]})` : ''}`);
    for (const p of stage) {
      out.push(`  ${p.name}  image ${p.image}${p.ip ? `  ip ${p.ip}` : ''}${p.engine ? `  engine ${p.engine}` : ''}`);
      if (p.entrypoint) out.push(`    entrypoint ${p.entrypoint.join(' ')}`);
      if (p.cmd.length) out.push(`    args ${p.cmd.join(' ')}`);
      for (const [k, v] of Object.entries(p.env)) out.push(`    env ${k}=${v}`);
      const ports = p.ports.map((b) => `${b.hostIp}:${b.host || '(free)'}->${b.container}${b.protocol ? `/${b.protocol}` : ''}`);
      if (ports.length) out.push(`    ports ${ports.length > 4 ? `${ports.slice(0, 3).join(', ')}, … ${ports.length} in all` : ports.join(', ')}`);
      // (placed on another engine: its ports are published by the gateway, among its many)
      for (const [port, via] of gatewayPortsOf(p.labels)) {
        const b = gateway?.ports.find((g) => g.container === via);
        out.push(`    port ${port} reached through the gateway: ${b ? `${b.hostIp}:${b.host || '(free)'}` : '?'}->${gateway?.name ?? 'gateway'}:${via}->${p.ip ?? ''}:${port}`);
      }
      for (const b of p.binds) out.push(`    mount ${b}`);
      for (const v of p.volumes ?? []) out.push(`    mount volume ${v.name}:${v.target} (created labelled with the cluster; down removes it)`);
      if (p.dns?.length) out.push(`    dns ${p.dns.join(', ')}`);
      for (const f of p.files ?? []) out.push(`    file ${f.path} (written before it starts):\n${f.content.trimEnd().split('\n').map((l) => `      ${l}`).join('\n')}`);
      out.push(`    ready when ${p.readiness}`);
    }
  });
  return out.join('\n');
}

/** What an engine of a spread cluster runs, for the Engines line: `2 agents, 1 master, zookeeper`. */
function engineRoles(c: ClusterInfo, e: { endpoint: string; agents: string[] }): string {
  const on = c.containers.filter((x) => x.engine === e.endpoint);
  const masters = on.filter((x) => x.role === 'master').length;
  return [
    `${e.agents.length} agent${e.agents.length === 1 ? '' : 's'}`,
    ...(masters ? [`${masters} master${masters === 1 ? '' : 's'}`] : []),
    ...(['zookeeper', 'marathon'] as const).filter((r) => on.some((x) => x.role === r)),
  ].join(', ');
}
