// /v2/plugins (PluginsResource): the emulator loads no plugins, so the list is
// always empty and every request meant for a plugin's own handler finds none.
import type http from 'node:http';
import type { Router } from '../../common/http.js';
import { json, parseAccept } from './respond.js';

export function pluginRoutes(router: Router): void {
  // PluginDefinitions with no entries; the Marathon UI asks for it at start-up.
  router.on('GET', '/v2/plugins', (r) => json(r.res, 200, { plugins: [] }));

  // `{pluginId}/{path:.+}`: a path after the id is required, so
  // `/v2/plugins/<id>` alone stays an unknown URI. HEAD arrives here as GET.
  for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
    router.on(method, '/v2/plugins/:pluginId/:path*', (r) => {
      const body = JSON.stringify({ message: `No plugin with this pluginId: ${r.params.pluginId}` });
      r.res.writeHead(404, { 'Content-Type': stringEntityType(r.req), 'Content-Length': Buffer.byteLength(body) });
      r.res.end(body);
    });
  }
}

/**
 * These methods declare no @Produces and answer a String, so Jersey 1 types
 * the body through its String writer (text/plain, or any type) from the most
 * acceptable Accept entry (highest q, then the most specific): text/plain when
 * that entry is the full wildcard, absent or text/ anything; the client's own
 * type when it names one; application/octet-stream for another wildcard subtype.
 */
function stringEntityType(req: http.IncomingMessage): string {
  const wildcards = (t: string) => t.split('*').length - 1;
  const first = parseAccept(req.headers.accept)
    .filter((a) => a.q > 0)
    .sort((a, b) => b.q - a.q || wildcards(a.type) - wildcards(b.type))[0];
  const type = first?.type ?? '*/*';
  if (type === '*/*' || type === 'text/*') return 'text/plain';
  if (type.endsWith('/*')) return 'application/octet-stream';
  return type;
}
