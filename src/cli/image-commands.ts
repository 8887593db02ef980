// `images build`: the emulated images, from the build context in this package.
import type { Command } from 'commander';
import { version } from '../version.js';
import { action } from './run.js';

// Loaded when a command runs, not for --help (see deferred.ts).
const load = () => import('./deferred.js');

export function registerImageCommands(program: Command): void {
  const images = program.command('images').description('manage the emulated images');
  images
    .command('build')
    .description('build the emulated images, the gateway and the add-ons\' images (Mesos-DNS, Marathon-LB, Metronome) locally (offline: needs only debian:bookworm-slim and a Debian mirror)')
    .option('--force', 'rebuild even when the images are up to date')
    .option('--json', 'print one JSON document')
    .action(
      action(async (opts: { force?: boolean; json?: boolean }) => {
        const { connectEngine, ALL_ROLES, ensureEmulatedImages, ensureOwnImage, emulatedImage, emulatedMesosDnsImage, emulatedMarathonLbImage, metronomeImage, gatewayImage, pickReporter } = await load();
        const docker = await connectEngine();
        const t0 = Date.now();
        let built: string[] = [];
        // One progress line (listr2 on a terminal, a few plain lines elsewhere); the full output goes to a log file.
        await pickReporter({ json: opts.json }, []).run(
          [
            {
              title: 'Ensuring the emulated images and the gateway',
              run: async (_ctx, step) => {
                built = await ensureEmulatedImages(docker, version, (l) => step.progress(l), { force: !!opts.force });
                if (await ensureOwnImage(docker, 'gateway', gatewayImage(version), (l) => step.progress(l), { force: !!opts.force })) built.push(gatewayImage(version));
                if (await ensureOwnImage(docker, 'mesos-dns', emulatedMesosDnsImage(version), (l) => step.progress(l), { force: !!opts.force })) built.push(emulatedMesosDnsImage(version));
                if (await ensureOwnImage(docker, 'marathon-lb', emulatedMarathonLbImage(version), (l) => step.progress(l), { force: !!opts.force })) built.push(emulatedMarathonLbImage(version));
                if (await ensureOwnImage(docker, 'metronome', metronomeImage(version), (l) => step.progress(l), { force: !!opts.force })) built.push(metronomeImage(version));
              },
            },
          ],
          undefined,
        );
        const all = [...ALL_ROLES.map((r) => emulatedImage(r, version)), gatewayImage(version), emulatedMesosDnsImage(version), emulatedMarathonLbImage(version), metronomeImage(version)];
        const seconds = (Date.now() - t0) / 1000;
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ images: all, built, seconds }, null, 2)}\n`
            : `${built.length ? `Built ${built.join(', ')}` : 'All emulated images are up to date'} (${seconds.toFixed(1)}s): ${all.join(', ')}\n`,
        );
      }),
    );
}
