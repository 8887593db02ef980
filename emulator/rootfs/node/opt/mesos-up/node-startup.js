// The entry of the startup snapshot every emulated Node process starts from
// (node-base in emulator/Dockerfile). Debian's Node 18 ships neither a startup
// snapshot nor a code cache, so each process compiled Node's own modules from
// source at start: most of an agent's start-up CPU. The modules loaded here come
// ready in the snapshot. Node 18 refuses http, https, tls, child_process and
// dgram in a snapshot (those still load at start); net only warns and works.
// zlib is left out: loaded from the snapshot, a process crashed (SIGSEGV) within
// seconds under load; node-startup-check.js guards the rest at build time.
for (const name of [
  'assert', 'buffer', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'net', 'os', 'path', 'querystring',
  'stream', 'stream/promises', 'string_decoder', 'timers', 'timers/promises', 'url', 'util',
]) require(name);
