// `mesos-up app group …` and `mesos-up app pod …`: Marathon groups and pods
// from the command line, from JSON or YAML files like `app deploy`.
import type { Command } from 'commander';
import { formatDuration } from '../config/duration.js';
import { MesosUpError } from '../errors.js';
import type { MarathonClient } from '../marathon/client.js';
import type { Group } from '../marathon/types.js';
import { deadlineOf, num, out, resolve, targetOptions, type Target } from './app-commands.js';
import { table } from './format.js';
import { action, interruptSignal } from './run.js';

const load = () => import('./deferred.js');

interface WaitFlags {
  wait?: boolean;
  timeout?: string;
  json?: boolean;
}

const waitOptions = (cmd: Command) => cmd.option('--wait', 'block until the deployment is done').option('--timeout <duration>', 'deadline for --wait (default 2m)');

/** With --wait: until the deployment is gone (and `until` says done); prints progress unless --json. */
async function maybeWait(client: MarathonClient, deploymentId: string | undefined, what: string, opts: WaitFlags, until?: () => Promise<string | undefined>): Promise<number | undefined> {
  if (!opts.wait) return undefined;
  const { waitForDeployment } = await load();
  const interrupt = interruptSignal();
  const t0 = Date.now();
  try {
    await waitForDeployment(client, deploymentId, {
      what,
      deadline: deadlineOf(opts.timeout, 120_000),
      signal: interrupt.signal,
      ...(until ? { until } : {}),
      onProgress: (l) => { if (!opts.json) process.stderr.write(`  ${l}\n`); },
    });
  } finally {
    interrupt.dispose();
  }
  return Date.now() - t0;
}

/** A document with an `id` from a file (JSON or YAML). */
async function readDocument(file: string, kind: string): Promise<Record<string, unknown> & { id: string }> {
  const { readAppDocument } = await load();
  const doc = readAppDocument(file);
  if (typeof doc.id !== 'string' || !doc.id) throw new MesosUpError('USAGE', `The ${kind} in ${file} has no "id"`, { hint: `give the ${kind} an absolute id such as "/shop"` });
  return doc as Record<string, unknown> & { id: string };
}

const isNotFound = async (err: unknown) => {
  const { MarathonApiError } = await load();
  return err instanceof MarathonApiError && err.status === 404;
};

/** Apps, pods and subgroups of a group as an indented tree. */
function tree(g: Group, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  return [
    `${pad}${g.id}${g.dependencies.length ? ` (depends on ${g.dependencies.join(', ')})` : ''}`,
    ...g.apps.map((a) => {
      const deps = (a.dependencies as string[] | undefined) ?? [];
      return `${pad}  app ${a.id}: ${a.instances ?? 1} instance(s), ${a.tasksRunning ?? 0} running${deps.length ? `, depends on ${deps.join(', ')}` : ''}`;
    }),
    ...(g.pods ?? []).map((p) => `${pad}  pod ${p.id}: ${p.spec.scaling.instances} instance(s), ${p.instances.filter((i) => i.status === 'STABLE').length} stable`),
    ...g.groups.flatMap((s) => tree(s, depth + 1)),
  ];
}

export function registerGroupCommands(app: Command): void {
  const group = app.command('group').description('deploy and manage Marathon groups (apps and subgroups deployed in dependency order)');

  targetOptions(waitOptions(group.command('deploy <file>').description('create a group from a JSON/YAML file, or update it when it exists').option('--force', 'override a deployment in progress'))).action(
    action(async (file: string, opts: Target & WaitFlags & { force?: boolean }) => {
      const doc = await readDocument(file, 'group');
      const { client } = await resolve(opts);
      let create = false;
      try {
        await client.getGroup(doc.id);
      } catch (err) {
        if (!(await isNotFound(err))) throw err;
        create = true;
      }
      const r = await client.deployGroup(doc, { create, ...(opts.force ? { force: true } : {}) });
      const waitedMs = await maybeWait(client, r.deploymentId, `group ${doc.id}`, opts);
      out(opts.json, { id: doc.id, action: create ? 'created' : 'updated', ...r, ...(waitedMs !== undefined ? { waitedMs } : {}) }, () => `Group ${doc.id} ${create ? 'created' : 'updated'} (version ${r.version}, deployment ${r.deploymentId})${waitedMs !== undefined ? `, deployed in ${formatDuration(waitedMs)}` : ''}`);
    }),
  );

  targetOptions(group.command('list').description('list the groups as a tree with their apps and pods')).action(
    action(async (opts: Target) => {
      const { client } = await resolve(opts);
      const root = await client.getGroup('/');
      out(opts.json, root, () => (root.apps.length || root.groups.length || root.pods?.length ? tree(root).join('\n') : 'No groups.'));
    }),
  );

  targetOptions(group.command('show <id>').description('print a group (apps, pods, subgroups) as JSON')).action(
    action(async (id: string, opts: Target) => {
      const { client } = await resolve(opts);
      process.stdout.write(`${JSON.stringify(await client.getGroup(id), null, 2)}\n`);
    }),
  );

  targetOptions(group.command('versions <id>').description('list the versions of a group, newest first')).action(
    action(async (id: string, opts: Target) => {
      const { client } = await resolve(opts);
      const versions = await client.groupVersions(id);
      out(opts.json, { versions }, () => versions.join('\n'));
    }),
  );

  targetOptions(waitOptions(group.command('scale <id> <factor>').description('scale every app of a group by a factor (scaleBy)').option('--force', 'override a deployment in progress'))).action(
    action(async (id: string, factorText: string, opts: Target & WaitFlags & { force?: boolean }) => {
      const factor = num('<factor>')(factorText);
      if (factor < 0) throw new MesosUpError('USAGE', `<factor> must not be negative, not ${factorText}`);
      const { client } = await resolve(opts);
      const r = await client.scaleGroup(id, factor, !!opts.force);
      const waitedMs = await maybeWait(client, r.deploymentId, `group ${id}`, opts);
      out(opts.json, { id, ...r, ...(waitedMs !== undefined ? { waitedMs } : {}) }, () => `Group ${id} scaled by ${factor} (deployment ${r.deploymentId})`);
    }),
  );

  targetOptions(waitOptions(group.command('rollback <id> <version>').description('put a group back as it was in a version from `group versions`').option('--force', 'override a deployment in progress'))).action(
    action(async (id: string, version: string, opts: Target & WaitFlags & { force?: boolean }) => {
      const { client } = await resolve(opts);
      const r = await client.rollbackGroup(id, version, !!opts.force);
      const waitedMs = await maybeWait(client, r.deploymentId, `group ${id}`, opts);
      out(opts.json, { id, ...r, ...(waitedMs !== undefined ? { waitedMs } : {}) }, () => `Group ${id} rolled back to ${version} (deployment ${r.deploymentId})`);
    }),
  );

  targetOptions(waitOptions(group.command('destroy <id>').description('remove a group with its apps, pods and subgroups').option('--force', 'override a deployment in progress'))).action(
    action(async (id: string, opts: Target & WaitFlags & { force?: boolean }) => {
      const { client } = await resolve(opts);
      const r = await client.deleteGroup(id, !!opts.force);
      const waitedMs = await maybeWait(client, r.deploymentId, `group ${id}`, opts);
      out(opts.json, { id, ...r, ...(waitedMs !== undefined ? { waitedMs } : {}) }, () => `Group ${id} destroyed (deployment ${r.deploymentId})`);
    }),
  );
}

export function registerPodCommands(app: Command): void {
  const pod = app.command('pod').description('deploy and manage Marathon pods (containers sharing one network and volumes)');

  targetOptions(waitOptions(pod.command('deploy <file>').description('create a pod from a JSON/YAML file, or replace it when it exists; --wait waits for its instances to be STABLE').option('--force', 'override a deployment in progress'))).action(
    action(async (file: string, opts: Target & WaitFlags & { force?: boolean }) => {
      const doc = await readDocument(file, 'pod');
      const { client } = await resolve(opts);
      let create = false;
      try {
        await client.getPod(doc.id);
      } catch (err) {
        if (!(await isNotFound(err))) throw err;
        create = true;
      }
      const r = await client.deployPod(doc, { create, ...(opts.force ? { force: true } : {}) });
      const stable = async () => {
        const s = await client.podStatus(r.pod.id);
        return s.status === 'STABLE' ? undefined : `${s.status}, ${s.instances.filter((i) => i.status === 'STABLE').length}/${r.pod.scaling.instances} instances stable (${s.instances.map((i) => i.status).join(', ') || 'none yet'})`;
      };
      const waitedMs = await maybeWait(client, r.deploymentId, `pod ${r.pod.id}`, opts, stable);
      const result = { id: r.pod.id, action: create ? 'created' : 'updated', version: r.pod.version, deploymentId: r.deploymentId, ...(waitedMs !== undefined ? { waitedMs } : {}) };
      out(opts.json, result, () => `Pod ${r.pod.id} ${result.action} (version ${r.pod.version}, deployment ${r.deploymentId ?? '-'})${waitedMs !== undefined ? `, stable after ${formatDuration(waitedMs)}` : ''}`);
    }),
  );

  targetOptions(pod.command('list').description('list the pods')).action(
    action(async (opts: Target) => {
      const { client } = await resolve(opts);
      const pods = await client.listPods();
      const statuses = await Promise.all(pods.map((p) => client.podStatus(p.id).catch(() => undefined)));
      out(opts.json, { pods }, () =>
        pods.length === 0
          ? 'No pods.'
          : table([
              ['ID', 'CONTAINERS', 'INSTANCES', 'STABLE', 'STATUS', 'VERSION'],
              ...pods.map((p, i) => [p.id, p.containers.map((c) => c.name).join(','), String(p.scaling.instances), String(statuses[i]?.instances.filter((x) => x.status === 'STABLE').length ?? '-'), statuses[i]?.status ?? '-', p.version]),
            ]),
      );
    }),
  );

  targetOptions(pod.command('show <id>').description('print a pod (or one version of it) as JSON you can save as pod.json').option('--version <v>', 'a version from `pod versions`')).action(
    action(async (id: string, opts: Target & { version?: string }) => {
      const { client } = await resolve(opts);
      const doc = opts.version ? await client.podVersion(id, opts.version) : await client.getPod(id);
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    }),
  );

  targetOptions(pod.command('versions <id>').description('list the versions of a pod')).action(
    action(async (id: string, opts: Target) => {
      const { client } = await resolve(opts);
      const versions = await client.podVersions(id);
      out(opts.json, { versions }, () => versions.join('\n'));
    }),
  );

  targetOptions(pod.command('status <id>').description("a pod's instances, their containers, and where the host reaches each endpoint")).action(
    action(async (id: string, opts: Target) => {
      const { client, reach } = await resolve(opts);
      const [s, r] = await Promise.all([client.podStatus(id), reach?.()]);
      // A pod's ports are its executor's (instance-<safe id>.<uuid>); the gateway routes them under that id.
      const endpoints = s.instances.flatMap((i) => {
        const executorId = `instance-${i.id.replace('.instance-', '.')}`;
        return i.containers.flatMap((c) =>
          c.endpoints.flatMap((e) => (e.allocatedHostPort === undefined ? [] : [{ instance: i.id, container: c.name, name: e.name, port: e.allocatedHostPort, address: r?.tasks.find((t) => t.taskId === executorId && t.port === e.allocatedHostPort)?.address ?? null }])),
        );
      });
      const where = (instance: string, container: string, name: string) => endpoints.find((e) => e.instance === instance && e.container === container && e.name === name);
      out(opts.json, { ...s, endpoints }, () =>
        [
          `Pod ${s.id}: ${s.status} since ${s.statusSince}`,
          ...(s.instances.length
            ? [
                table([
                  ['INSTANCE', 'STATUS', 'AGENT', 'CONTAINER', 'STATE', 'ENDPOINTS (FROM THE HOST)'],
                  ...s.instances.flatMap((i) =>
                    i.containers.map((c, k) => [
                      k === 0 ? i.id : '',
                      k === 0 ? i.status : '',
                      k === 0 ? i.agentHostname : '',
                      c.name,
                      c.status,
                      c.endpoints.map((e) => `${e.name}:${e.allocatedHostPort ?? '-'}${e.allocatedHostPort === undefined ? '' : `→${where(i.id, c.name, e.name)?.address ?? '-'}`}${e.healthy === undefined ? '' : e.healthy ? ' healthy' : ' unhealthy'}`).join(' ') || '-',
                    ]),
                  ),
                ]),
              ]
            : ['No instances.']),
        ].join('\n'),
      );
    }),
  );

  targetOptions(pod.command('kill-instance <id> <instanceId>').description('kill one instance of a pod; Marathon starts a replacement')).action(
    action(async (id: string, instanceId: string, opts: Target) => {
      const { client } = await resolve(opts);
      const r = await client.killPodInstance(id, instanceId);
      out(opts.json, r, () => `Killed ${instanceId}`);
    }),
  );

  targetOptions(waitOptions(pod.command('destroy <id>').description('remove a pod and kill its instances').option('--force', 'override a deployment in progress'))).action(
    action(async (id: string, opts: Target & WaitFlags & { force?: boolean }) => {
      const { client } = await resolve(opts);
      const r = await client.deletePod(id, !!opts.force);
      const waitedMs = await maybeWait(client, r.deploymentId, `pod ${id}`, opts);
      out(opts.json, { id, ...r, ...(waitedMs !== undefined ? { waitedMs } : {}) }, () => `Pod ${id} destroyed (deployment ${r.deploymentId ?? '-'})`);
    }),
  );
}
