// The package as `npm pack` makes it, installed where a user would install it.
import { execa } from 'execa';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Packs the checkout into `dir`; returns the tarball's path. The suite has built dist/ already: no rebuild. */
export async function packInto(dir: string): Promise<string> {
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  return path.join(dir, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename);
}

/** npm install in `dir`, from the local cache where it can (CI has just installed the same versions). */
export const npmInstall = (dir: string, args: string[] = []) =>
  execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], { cwd: dir });
