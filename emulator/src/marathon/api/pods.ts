// /v2/pods (PodsResource): HEAD, create, list, show, replace, delete, status
// of one or all, versions, and killing instances. `{id}::status` and the
// like are parsed here: the router's `:name` syntax cannot express `::`.
import type { Request, Router } from '../../common/http.js';
import { parseBody } from '../app/normalize.js';
import type { Marathon } from '../core.js';
import { ApiError, conflict, groupDetails, invalidJson, notFound, notValid } from '../errors.js';
import { remoteAddress } from '../events.js';
import { normalizePod, podJson, readPod, validatePod } from '../pod/normalize.js';
import { instanceJson } from '../pod/status.js';
import type { Pod } from '../pod/types.js';
import { removeSubtree, transitiveApps } from '../groups.js';
import { urlPath } from './groups.js';
import { parentId, parseTimestamp, timestamp } from '../util.js';
import { boolParam, json } from './respond.js';

const unknownPod = (id: string) => notFound(`Pod '${id}' does not exist`);
const INSTANCE_ID = /^(.+)\.(instance-|marathon-)([^.]+)$/;

export function podRoutes(router: Router, m: Marathon): void {
  // (this Marathon takes no --default_network_name)
  const opts = () => ({});

  const podEvent = (r: Request, eventType: 'pod_created_event' | 'pod_updated_event' | 'pod_deleted_event') =>
    m.bus.emit(eventType, { clientIp: remoteAddress(r.req), uri: r.path });

  /** The body read, validated and normalized as PodsResource does; the deployment gives it its version. */
  const podFromBody = async (r: Request) => {
    const raw = readPod(parseBody(await r.body()));
    validatePod(raw, opts());
    return { raw, pod: normalizePod(raw, '', opts()) };
  };

  /**
   * Deploys the pod (PodManager.create/update through the root group):
   * RootGroup.updatePod drops an empty group on its path (one holding no app
   * or pod, however deep), and a PUT restarts even an unchanged definition.
   */
  const deploy = async (pod: Pod, force: boolean, restart: boolean) => {
    const plan = await m.deployments.updateTree(
      parentId(pod.id),
      (draft) => {
        if (draft.groups.has(pod.id) && !transitiveApps(draft.apps, pod.id).length && !transitiveApps(draft.pods, pod.id).length) removeSubtree(draft.apps, draft.groups, pod.id, draft.pods);
        draft.pods.set(pod.id, pod);
      },
      { force, ...(restart ? { restart: new Set([pod.id]) } : {}) },
    );
    return { plan, stored: plan.pods.target.get(pod.id)! };
  };

  /** The URL's pod id, absolute; 422 when a segment is not a valid id (as every pods route checks it). */
  const podId = (raw: string) => urlPath(raw);

  router.on('GET', '/v2/pods', (r) => json(r.res, 200, [...m.state.pods.values()].sort((a, b) => a.id.localeCompare(b.id)).map(podJson)));

  router.on('POST', '/v2/pods', async (r) => {
    const { pod } = await podFromBody(r);
    if (m.state.pods.has(pod.id)) throw conflict(`A pod with id [${pod.id}] already exists.`);
    const { plan, stored } = await deploy(pod, boolParam(r.query, 'force', false), false);
    podEvent(r, 'pod_created_event');
    json(r.res, 201, podJson(stored), { Location: `http://${r.req.headers.host ?? 'localhost'}${pod.id}`, 'Marathon-Deployment-Id': plan.id });
  });

  // ---- /v2/pods/{id}, {id}::status, {id}::versions[/v], {id}::instances[/i], ::status ----

  router.on('GET', '/v2/pods/:rest*', async (r) => {
    const rest = r.params.rest!;
    if (rest === '::status' || rest === '/::status') {
      return json(r.res, 200, [...m.state.pods.values()].sort((a, b) => a.id.localeCompare(b.id)).map((p) => m.podStatus(p)));
    }
    let match: RegExpExecArray | null;
    if ((match = /^(.+)::status$/.exec(rest))) {
      const pod = m.state.pods.get(podId(match[1]!));
      if (!pod) throw unknownPod(podId(match[1]!));
      return json(r.res, 200, m.podStatus(pod));
    }
    if ((match = /^(.+)::versions\/(.+)$/.exec(rest))) {
      const id = podId(match[1]!);
      const v = match[2]!;
      const ms = parseTimestamp(v);
      if (ms === undefined) throw new ApiError(422, { message: `Invalid timestamp provided '${v}'. Expecting ISO-8601 datetime string.` });
      const pod = m.state.pods.has(id) ? await m.store.podVersion(id, timestamp(ms)) : undefined;
      if (!pod) throw unknownPod(id);
      return json(r.res, 200, podJson(pod));
    }
    if ((match = /^(.+)::versions$/.exec(rest))) {
      const id = podId(match[1]!);
      if (!m.state.pods.has(id)) throw unknownPod(id);
      return json(r.res, 200, await m.store.podVersions(id));
    }
    const id = podId(rest);
    const pod = m.state.pods.get(id);
    // (1.7 wraps this message in a second JSON document)
    if (!pod) throw notFound(`{"message": "pod with ${id} does not exist"}`);
    json(r.res, 200, podJson(pod));
  });

  router.on('PUT', '/v2/pods/:rest*', async (r) => {
    const id = podId(r.params.rest!);
    const { raw, pod } = await podFromBody(r);
    if (pod.id !== id) {
      // (1.7's body keeps its template's line breaks and indentation)
      const body = `\n{"message": "'${id}' does not match definition's id ('${raw.id}')" }\n          `;
      r.res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      return void r.res.end(body);
    }
    const { plan, stored } = await deploy(pod, boolParam(r.query, 'force', false), true);
    podEvent(r, 'pod_updated_event');
    json(r.res, 200, podJson(stored), { 'Marathon-Deployment-Id': plan.id });
  });

  router.on('DELETE', '/v2/pods/:rest*', async (r) => {
    const rest = r.params.rest!;
    let match: RegExpExecArray | null;
    if ((match = /^(.+)::instances\/(.+)$/.exec(rest))) {
      const id = podId(match[1]!);
      const instanceId = match[2]!;
      checkInstanceIds([instanceId]);
      const killed = kill(id, [instanceId]);
      if (!killed.length) throw notFound(`Task '${instanceId}' does not exist`);
      return json(r.res, 200, killed[0]);
    }
    if ((match = /^(.+)::instances$/.exec(rest))) {
      const id = podId(match[1]!);
      const body = parseBody(await r.body());
      if (!Array.isArray(body)) throw invalidJson([{ path: '/', errors: ['error.expected.jsarray'] }]);
      const errors = body.flatMap((x, i) => (typeof x === 'string' ? [] : [{ path: `(${i})`, errors: ['error.expected.jsstring'] }]));
      if (errors.length) throw invalidJson(errors);
      checkInstanceIds(body as string[]);
      return json(r.res, 200, kill(id, body as string[]));
    }
    const id = podId(rest);
    if (!m.state.pods.has(id)) throw unknownPod(id);
    const plan = await m.deployments.updateTree(parentId(id), (draft) => void draft.pods.delete(id), { force: boolParam(r.query, 'force', false) });
    podEvent(r, 'pod_deleted_event');
    r.res.writeHead(202, { Location: `http://${r.req.headers.host ?? 'localhost'}/${plan.id}`, 'Marathon-Deployment-Id': plan.id, 'Content-Length': 0 });
    r.res.end();
  });

  const checkInstanceIds = (ids: string[]) => {
    if (ids.some((x) => !INSTANCE_ID.test(x))) throw notValid(groupDetails([{ path: '/', message: `must fully match regular expression '${INSTANCE_ID.source}'` }]));
  };

  /** TaskKiller.kill: the pod's instances among the ids, killed; answered as they were (the pod is not scaled). */
  const kill = (id: string, instanceIds: string[]) => {
    const pod = m.state.pods.get(id);
    if (!pod) throw notFound(`Path '${id}' does not exist`);
    const wanted = new Set(instanceIds);
    const selected = m.scheduler.pods.instancesOf(id).filter((i) => wanted.has(i.instanceId));
    const before = selected.map((i) => instanceJson(pod, i));
    for (const i of selected) if (!i.killing) m.scheduler.pods.kill(i);
    m.scheduler.scheduleReconcile();
    return before;
  };
}
