// Bundles each emulated component into one CommonJS file for Debian's Node 18,
// dependencies included, so the images need nothing from npm.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

const root = path.dirname(fileURLToPath(import.meta.url));
const entries = { 'mesos-master': 'master/main.ts', 'mesos-agent': 'agent/main.ts', marathon: 'marathon/main.ts', reaper: 'reaper/main.ts' };

await Promise.all(
  Object.entries(entries).map(([name, entry]) =>
    !existsSync(path.join(root, 'src', entry))
      ? console.warn(`emulator: ${entry} does not exist yet; ${name} not bundled`)
      : build({
      entryPoints: [path.join(root, 'src', entry)],
      outfile: path.join(root, 'dist', `${name}.cjs`),
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'cjs',
      minify: false,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    }),
  ),
);
