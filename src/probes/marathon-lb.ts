// Whether the Marathon-LB add-on routes to an app's running tasks yet: every
// task's address on its first port is a server line in the configuration
// HAProxy runs (its /_haproxy_getconfig on :9090). The same check holds for the
// official image, whose Lua endpoint serves the same file.
import { httpRequest } from './http.js';
import { waitUntil } from './wait.js';

export interface LbTask {
  host: string;
  ports?: number[];
}

export async function waitForLoadBalancer(statsUrl: string, appId: string, tasks: LbTask[], opts: { deadline: number; signal: AbortSignal; onProgress?: (line: string) => void }): Promise<void> {
  const wanted = tasks.filter((t) => t.ports?.length).map((t) => `${t.host}:${t.ports![0]}`);
  await waitUntil(
    async (signal) => {
      const answer = await httpRequest(`${statsUrl}/_haproxy_getconfig`, { signal, timeoutMs: 3000 }).catch((err: Error) => ({ status: 0, text: err.message }));
      const servers = new Set(answer.status === 200 ? [...answer.text.matchAll(/^\s+server \S+ (\S+)/gm)].map((m) => m[1]) : []);
      const missing = wanted.filter((w) => !servers.has(w));
      return { ok: answer.status === 200 && !missing.length, detail: `Marathon-LB does not route ${appId} to ${missing.join(', ') || '…'} yet${answer.status === 200 ? '' : ` (${answer.text})`}` };
    },
    { ...opts, what: `Marathon-LB to route ${appId}`, intervalMs: 200 },
  );
}
