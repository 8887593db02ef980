// A cluster over several Docker engines: the agent image on every other engine
// that runs agents, with no registry needed.
import type { ClusterSpec } from '../config/schema.js';
import { copyImage } from '../engine/image-copy.js';
import { imagePresent, pullImage } from '../engine/images.js';
import { onEachEngine, type EngineSetup } from './engines-check.js';

/**
 * An official image is pulled there (a copy from the first engine when no
 * registry answers); an emulated or locally built one is copied from the first
 * engine through the two engines' APIs (save streamed into load), to every
 * engine at once. For a few engines that is simpler and as quick as a local
 * registry; each copy sends the whole image (208 MB for the emulated agent).
 * Every copy runs to its end before a failure is passed on.
 */
export async function imagesToEngines(
  spec: ClusterSpec,
  setup: EngineSetup,
  image: { ref: string; pull: boolean },
  progress: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const primary = setup.clients[0]!;
  const targets = setup.clients.map((_, i) => i).filter((i) => i > 0 && spec.engines[i]!.agents > 0);
  await onEachEngine(spec, targets, async (i) => {
    const client = setup.clients[i]!;
    if (image.pull && !(await imagePresent(client, image.ref))) {
      const pulled = await pullImage(client, image.ref, (l) => progress(`${spec.engines[i]!.endpoint}: ${l}`), signal).then(() => true, () => false);
      if (pulled) return;
    }
    await copyImage(primary, client, image.ref, { progress: (l) => progress(l), signal });
  });
}
