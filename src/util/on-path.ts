// Whether a program is on PATH (the sbin directories included, where debootstrap lives).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
