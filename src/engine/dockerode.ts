// Loads dockerode without paying, on every command, for two parts most runs never
// touch: its gRPC session (BuildKit builds; mesos-up uses the classic builder) and
// docker-modem's ssh2 transport (ssh:// engines). Loading them costs about 100 ms of
// each command's start (bench/, "CLI start"); here each is replaced in Node's
// require cache by a function that loads the real module on its first call.
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function loadDockerode(): typeof Docker {
  const dockerodeMain = require.resolve('dockerode');
  const modemMain = require.resolve('docker-modem', { paths: [path.dirname(dockerodeMain)] });
  loadOnFirstCall(path.join(path.dirname(dockerodeMain), 'session.js'));
  loadOnFirstCall(path.join(path.dirname(modemMain), 'ssh.js'));
  return require('dockerode') as typeof Docker;
}

/** Both modules export one function; the stand-in forwards to it once loaded. */
function loadOnFirstCall(file: string): void {
  if (require.cache[file] || !existsSync(file)) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = function (this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete require.cache[file];
      real = require(file) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  require.cache[file] = stub;
}
