// A cluster over several Docker engines: on every other engine, the images of
// the components it runs (agents; ZooKeeper, masters or Marathon placed there),
// with no registry needed.
import type { ClusterSpec, Role } from '../config/schema.js';
import { copyImage } from '../engine/image-copy.js';
import { imagePresent, pullImage } from '../engine/images.js';
import { rolesByEngine } from '../plan/engines.js';
import { onEachEngine, type EngineSetup } from './engines-check.js';

/**
 * An official image is pulled there (a copy from the first engine when no
 * registry answers); an emulated or locally built one is copied from the first
 * engine through the two engines' APIs (save streamed into load), to every
 * engine at once. For a few engines that is simpler and as quick as a local
 * registry; each copy sends the whole image (208 MB for the emulated agent).
 * Every copy runs to its end before a failure is passed on; an engine that
 * needs several images gets them one after the other.
 */
export async function imagesToEngines(
  spec: ClusterSpec,
  setup: EngineSetup,
  images: Record<Role, { ref: string; pull: boolean }>,
  progress: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const primary = setup.clients[0]!;
  const roles = rolesByEngine(spec);
  const targets = setup.clients.map((_, i) => i).filter((i) => i > 0 && roles[i]!.size > 0);
  await onEachEngine(spec, targets, async (i) => {
    const client = setup.clients[i]!;
    // (two roles may share an image: an override naming the same one)
    for (const image of new Map([...roles[i]!].map((r) => [images[r].ref, images[r]])).values()) {
      if (image.pull && !(await imagePresent(client, image.ref))) {
        const pulled = await pullImage(client, image.ref, (l) => progress(`${spec.engines[i]!.endpoint}: ${l}`), signal).then(() => true, () => false);
        if (pulled) continue;
      }
      await copyImage(primary, client, image.ref, { progress: (l) => progress(l), signal });
    }
  });
}
