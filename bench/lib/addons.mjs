// The add-ons section of the bench: `up` with each add-on against the same
// default cluster without it, and the add-on container's memory.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureGone, members, mesosUpDown, mesosUpRun } from './cluster-runs.mjs';
import { memoryOf } from './memory.mjs';
import { sleep } from './proc.mjs';
import { waitQuiet } from './quiet.mjs';
import { summary } from './stats.mjs';

/** The add-ons the bench measures: the key under `addons` in cluster.yaml and the container's role. */
export const ADDONS = [
  { key: 'mesosDns', role: 'mesos-dns', label: 'Mesos-DNS' },
  { key: 'marathonLb', role: 'marathon-lb', label: 'Marathon-LB' },
  { key: 'metronome', role: 'metronome', label: 'Metronome' },
];

/**
 * What each add-on adds: `up` with `addons: { <key>: {} }` against the same
 * cluster without it, in an order that turns each round, until offers flow and
 * the add-on answers; and the add-on container's memory after 15 s idle.
 */
export async function measureAddons({ ctx, docker, rounds, log, guarded, clusterName }) {
  log(`what each add-on (${ADDONS.map((a) => a.label).join(', ')}) adds to up and to memory, ${rounds} rounds each`);
  const kinds = ['plain', ...ADDONS.map((a) => a.key)];
  const files = Object.fromEntries(ADDONS.map((a) => {
    const file = path.join(ctx.workDir, `addons-${a.key}.yaml`);
    writeFileSync(file, `addons:\n  ${a.key}: {}\n`);
    return [a.key, file];
  }));
  const runs = Object.fromEntries(kinds.map((k) => [k, []]));
  const memory = {};
  for (let i = 0; i < rounds; i++) {
    const order = kinds.map((_, j) => kinds[(i + j) % kinds.length]);
    for (const kind of order) {
      await waitQuiet();
      const addon = ADDONS.find((a) => a.key === kind);
      const name = clusterName(addon ? `a${ADDONS.indexOf(addon)}` : 'ap');
      await guarded('addons', name, async () => {
        const r = await mesosUpRun(ctx, name, addon ? { config: files[kind] } : {});
        runs[kind].push(r.ms);
        log(`  round ${i + 1} ${addon ? `with ${addon.label}` : 'without'}: ${(r.ms / 1000).toFixed(2)} s`);
        if (addon && !memory[kind]) {
          await sleep(15_000);
          memory[kind] = (await memoryOf(docker, await members(docker, name))).rows.find((x) => x.role === addon.role);
        }
        await mesosUpDown(ctx, name);
        await ensureGone(ctx, name);
      });
    }
  }
  const out = { plain: summary(runs.plain) };
  for (const a of ADDONS) {
    out[a.key] = summary(runs[a.key]);
    if (memory[a.key]) out[`${a.key}Memory`] = { rss: memory[a.key].rss, workingSet: memory[a.key].workingSet };
  }
  return out;
}
