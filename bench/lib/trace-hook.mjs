// Preloaded into the mesos-up CLI by the benchmark (node --import ./bench/lib/trace-hook.mjs
// bin/mesos-up.js …) so the CLI can be timed from the inside without touching src/:
// it records every Docker Engine API call (http.request, which docker-modem uses),
// every HTTP probe (Mesos / Marathon, over node:http or fetch) and every plain TCP
// connection (ZooKeeper's ruok), with wall-clock start and end times, and writes them to the
// file named by MESOS_UP_BENCH_TRACE when the process exits. Costs a few
// microseconds per call; does nothing when the variable is unset.
import http from 'node:http';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const file = process.env.MESOS_UP_BENCH_TRACE;

if (file) {
  const trace = {
    // Wall-clock ms at which this process started (before Node's own bootstrap).
    processStart: performance.timeOrigin,
    hookLoaded: Date.now(),
    docker: [],
    fetch: [],
    tcp: [],
    exit: 0,
  };

  const origRequest = http.request;
  http.request = function tracedRequest(...args) {
    const opts = typeof args[0] === 'object' && args[0] !== null && !(args[0] instanceof URL) ? args[0] : {};
    const path = opts.path ?? (typeof args[0] === 'string' || args[0] instanceof URL ? new URL(args[0]).pathname : '/');
    const isDocker = !!opts.socketPath || /^\/(v\d+\.\d+\/)?(containers|networks|images|volumes|_ping|version|build|events|info)\b/.test(path);
    // Engine calls go to trace.docker, everything else (the probes of the
    // masters, agents and Marathon over node:http) to trace.fetch, as URLs.
    const entry = isDocker
      ? { method: opts.method ?? 'GET', path, start: Date.now(), end: 0, status: 0 }
      : { url: `http://${opts.host ?? opts.hostname ?? 'localhost'}:${opts.port ?? 80}${path}`, method: opts.method ?? 'GET', start: Date.now(), end: 0, status: 0 };
    (isDocker ? trace.docker : trace.fetch).push(entry);
    const req = origRequest.apply(this, args);
    // Observed through emit rather than listeners, so the request behaves exactly
    // as without the hook (an 'error' or 'response' listener would change it).
    const emit = req.emit;
    req.emit = function tracedEmit(event, ...rest) {
      if (event === 'response') {
        const res = rest[0];
        entry.status = res.statusCode;
        entry.headers = Date.now();
        const resEmit = res.emit;
        res.emit = function tracedResEmit(ev, ...r) {
          if (ev === 'end' || ev === 'close') entry.end ||= Date.now();
          return resEmit.call(this, ev, ...r);
        };
      } else if (event === 'error') {
        entry.end ||= Date.now();
        entry.error = rest[0]?.code ?? 'error';
      } else if (event === 'close') entry.end ||= Date.now();
      return emit.call(this, event, ...rest);
    };
    return req;
  };

  const origFetch = globalThis.fetch;
  globalThis.fetch = async function tracedFetch(input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const entry = { url, start: Date.now(), end: 0, status: 0 };
    trace.fetch.push(entry);
    try {
      const res = await origFetch(input, init);
      entry.status = res.status;
      // The caller reads the body next; `end` is when the headers came.
      entry.end = Date.now();
      return res;
    } catch (err) {
      entry.end = Date.now();
      entry.error = err?.cause?.code ?? err?.name ?? 'error';
      throw err;
    }
  };

  const origConnect = net.connect;
  net.connect = function tracedConnect(...args) {
    const opts = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
    const entry = { host: opts.host, port: opts.port, start: Date.now(), end: 0, ok: false, reply: '' };
    const socket = origConnect.apply(this, args);
    if (!opts.path) {
      trace.tcp.push(entry);
      // Observe without listening: a 'data' listener would switch the socket to
      // flowing mode and change what its owner (ZooKeeper probe, or fetch's
      // connection pool) sees, e.g. an early 'end'.
      const emit = socket.emit;
      socket.emit = function tracedEmit(event, ...rest) {
        if (event === 'data' && entry.reply.length < 16) entry.reply += Buffer.from(rest[0]).toString('utf8').slice(0, 16);
        else if (event === 'close') {
          entry.end = Date.now();
          entry.ok = entry.reply === 'imok';
        }
        return emit.call(this, event, ...rest);
      };
    }
    return socket;
  };

  process.on('exit', () => {
    trace.exit = Date.now();
    try {
      writeFileSync(file, JSON.stringify(trace));
    } catch {
      /* the bench reports a missing trace */
    }
  });
}
