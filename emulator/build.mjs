// Bundles each emulated component into one CommonJS file for Debian's Node 18,
// dependencies included, so the images need nothing from npm.
//
// The web pages (src/ui/<page>/: index.html, style.css, app.ts) are bundled
// first, for the browser, into one self-contained HTML document each; the
// server bundles import that document as the module `mesos-up-ui:<page>`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';

const root = path.dirname(fileURLToPath(import.meta.url));
const entries = { 'mesos-master': 'master/main.ts', 'mesos-agent': 'agent/main.ts', marathon: 'marathon/main.ts', reaper: 'reaper/main.ts', gateway: 'gateway/main.ts', 'mesos-dns': 'mesos-dns/main.ts', 'marathon-lb': 'marathon-lb/main.ts', metronome: 'metronome/main.ts' };
const pageNames = ['marathon', 'master'];

/** One page as a single HTML document: index.html with its CSS and script inlined. */
async function bundlePage(name) {
  const dir = path.join(root, 'src', 'ui', name);
  const common = { bundle: true, write: false, minify: true, legalComments: 'none', logLevel: 'warning' };
  const [script, style] = await Promise.all([
    build({ ...common, entryPoints: [path.join(dir, 'app.ts')], platform: 'browser', format: 'iife', target: ['chrome109', 'firefox115', 'safari16'], supported: { 'inline-script': false } }),
    build({ ...common, entryPoints: [path.join(dir, 'style.css')], target: ['chrome109', 'firefox115', 'safari16'], supported: { 'inline-style': false } }),
  ]);
  const js = script.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  const css = style.outputFiles[0].text.replace(/<\/style/gi, '<\\/style');
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  if (!html.includes('<!-- style -->') || !html.includes('<!-- script -->')) throw new Error(`${dir}/index.html needs the <!-- style --> and <!-- script --> markers`);
  return html.replace('<!-- style -->', () => `<style>${css}</style>`).replace('<!-- script -->', () => `<script>${js}</script>`);
}

const pages = Object.fromEntries(await Promise.all(pageNames.map(async (name) => [name, await bundlePage(name)])));

/** Resolves `import page from 'mesos-up-ui:<page>'` to the bundled document. */
const uiPages = {
  name: 'mesos-up-ui',
  setup(b) {
    b.onResolve({ filter: /^mesos-up-ui:/ }, (args) => ({ path: args.path.slice('mesos-up-ui:'.length), namespace: 'mesos-up-ui' }));
    b.onLoad({ filter: /.*/, namespace: 'mesos-up-ui' }, (args) =>
      args.path in pages ? { contents: pages[args.path], loader: 'text' } : { errors: [{ text: `no web page ${args.path} in src/ui` }] },
    );
  },
};

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
      plugins: [uiPages],
    }),
  ),
);
