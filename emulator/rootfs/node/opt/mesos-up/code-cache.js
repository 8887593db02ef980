// Preloaded (node -r) by the emulated components: compiles the main bundle with
// the V8 code cache made for it at image build (<bundle>.v8-cache), so a process
// skips parsing and compiling what its start runs. Debian's Node 18 has no
// compile cache of its own; a cluster starts ten of these processes at once on
// few cores. A cache V8 rejects (another Node, other V8 flags) or a missing one
// only costs the compile it would have saved.
//
// MESOS_UP_CODE_CACHE=write (image build): run the bundle's top level, write
// the cache with every function compiled so far, exit. =check: exit 1 when
// the cache is missing or rejected.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

const mode = process.env.MESOS_UP_CODE_CACHE;
delete process.env.MESOS_UP_CODE_CACHE; // not passed on to tasks and executors
const compile = Module.prototype._compile;
Module.prototype._compile = function compileMain(content, filename) {
  Module.prototype._compile = compile; // the main module only
  const cacheFile = `${filename}.v8-cache`;
  let cachedData;
  if (mode !== 'write') {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // no cache: compile as usual
    }
  }
  const script = new vm.Script(Module.wrap(content), { filename, cachedData });
  if (mode === 'check') {
    process.stdout.write(`${cacheFile}: ${!cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
    process.exit(cachedData && !script.cachedDataRejected ? 0 : 1);
  }
  if (mode === 'write') process.once('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
  const wrapper = script.runInThisContext({ displayErrors: true });
  const result = wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  if (mode === 'write') process.exit(0);
  return result;
};
