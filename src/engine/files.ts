// Files written into a container before it starts (a generated config file):
// one tar archive through the engine's archive API, so it works for any engine,
// remote ones included, and for images without a shell.
import type Docker from 'dockerode';
import { createRequire } from 'node:module';

interface Pack extends NodeJS.ReadableStream {
  entry(header: { name: string; mode?: number; mtime?: Date }, content: string, cb?: (err?: Error) => void): void;
  finalize(): void;
}

// tar-stream (dockerode's own tar-fs builds on it) has no type declarations.
const tar = createRequire(import.meta.url)('tar-stream') as { pack(): Pack };

export async function writeFiles(container: Docker.Container, files: Array<{ path: string; content: string }>): Promise<void> {
  if (!files.length) return;
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.path.replace(/^\/+/, ''), mode: 0o644, mtime: new Date(0) }, f.content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Buffer));
  await container.putArchive(Buffer.concat(chunks), { path: '/' });
}
