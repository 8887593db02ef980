// Bundles the command line (src/cli/main.ts and everything it imports, npm
// dependencies included) into dist/bin/, one chunk per lazily imported part.
//
// Why: Node resolves, reads and compiles each ES module file on its own, and the
// CLI's ~300 files (ours, listr2, execa, zod, yaml, commander) cost about 50 ms
// of every `mesos-up up` and `down` before the first engine call. The library
// (dist/index.js, the fixtures) stays tsc's output, file per module.
//
// dockerode stays outside: src/engine/dockerode.ts loads it with a require of
// its own so its gRPC and ssh2 parts load only when used.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bin');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies require Node's builtins; an ES module has no require of its own.
  banner: { js: "import { createRequire as __mesosUpCreateRequire } from 'node:module'; const require = __mesosUpCreateRequire(import.meta.url);" },
  external: ['dockerode'],
  legalComments: 'none',
  logLevel: 'warning',
});
