// The /files endpoints of master and agent (src/files/files.cpp): browse,
// read and download inside attached paths only (sandboxes, the log file), and
// debug, the attached paths themselves.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Request, Router } from './http.js';
import { sendEmpty, sendJsonOk, sendText } from './http.js';

/** Cap of one read: 16 pages. */
const MAX_READ = 16 * 4096;

type Resolved = { ok: true; path: string } | { ok: false; status: 400 | 404; message: string };

/** Longest attached prefix wins; the rest of the path must stay inside it. */
export function resolvePath(attached: Map<string, string>, requested: string): Resolved {
  const tokens = requested.replace(/\/+$/, '').split('/');
  const suffix: string[] = [];
  while (tokens.length) {
    const prefix = tokens.join('/') || '/';
    const root = attached.get(prefix);
    if (root === undefined) {
      suffix.unshift(tokens.pop()!);
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(root);
    } catch {
      return { ok: false, status: 404, message: '' };
    }
    if (!stat.isDirectory()) return suffix.length ? { ok: false, status: 404, message: '' } : { ok: true, path: root };
    const joined = path.join(root, ...suffix);
    let real: string;
    try {
      real = fs.realpathSync(joined);
    } catch {
      return { ok: false, status: 404, message: '' };
    }
    const realRoot = fs.realpathSync(root);
    if (real !== realRoot && !real.startsWith(`${realRoot}/`)) return { ok: false, status: 400, message: `'${joined}' is inaccessible.\n` };
    return { ok: true, path: real };
  }
  return { ok: false, status: 404, message: '' };
}

function mode(st: fs.Stats): string {
  const type = st.isDirectory() ? 'd' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : st.isSymbolicLink() ? 'l' : st.isSocket() ? 's' : '-';
  const bits = 'rwxrwxrwx';
  let perms = '';
  for (let i = 0; i < 9; i++) perms += st.mode & (1 << (8 - i)) ? bits[i] : '-';
  return type + perms;
}

/** id → name from /etc/passwd or /etc/group, as FileInfo carries owner names. */
export function nameOf(file: string, id: number): string {
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[2] === String(id) && f[0]) return f[0];
    }
  } catch {
    /* no database */
  }
  return String(id);
}

function fileInfo(virtualPath: string, st: fs.Stats): Record<string, unknown> {
  return {
    gid: nameOf('/etc/group', st.gid),
    mode: mode(st),
    mtime: st.mtimeMs / 1000,
    nlink: st.nlink,
    path: virtualPath,
    size: st.size,
    uid: nameOf('/etc/passwd', st.uid),
  };
}

/** A FilesError as the handlers answer it: NOT_FOUND 404 with no body, INVALID 400 with its text. */
export function sendFilesError(res: http.ServerResponse, e: FilesError): void {
  if (e.status === 404) sendEmpty(res, 404);
  else sendText(res, e.status, e.message);
}

const fail = (r: Request, e: FilesError): void => sendFilesError(r.res, e);

export type FilesError = Extract<Resolved, { ok: false }>;

/** FilesProcess::browse: the path itself when a file, else its entries by name, each with its lstat. */
export function listFiles(attached: Map<string, string>, p: string): { ok: true; entries: Array<{ path: string; stat: fs.Stats }> } | FilesError {
  const resolved = resolvePath(attached, p);
  if (!resolved.ok) return resolved;
  const st = fs.statSync(resolved.path);
  if (!st.isDirectory()) return { ok: true, entries: [{ path: p, stat: st }] };
  const entries = fs.readdirSync(resolved.path).sort().flatMap((name) => {
    try {
      return [{ path: path.posix.join(p, name), stat: fs.lstatSync(path.join(resolved.path, name)) }];
    } catch {
      return [];
    }
  });
  return { ok: true, entries };
}

/** FilesProcess::_read: the file's size and at most 16 pages from `offset` (nothing past the end). */
export function readFileRange(attached: Map<string, string>, p: string, offset: number, length?: number): { ok: true; size: number; data: Buffer } | FilesError {
  const resolved = resolvePath(attached, p);
  if (!resolved.ok) return resolved;
  const st = fs.statSync(resolved.path);
  if (st.isDirectory()) return { ok: false, status: 400, message: 'Cannot read a directory.\n' };
  const size = st.size;
  if (offset >= size || length === 0) return { ok: true, size, data: Buffer.alloc(0) };
  const n = Math.min(length ?? size - offset, MAX_READ, size - offset);
  const buf = Buffer.alloc(n);
  const fd = fs.openSync(resolved.path, 'r');
  try {
    return { ok: true, size, data: buf.subarray(0, fs.readSync(fd, buf, 0, n, offset)) };
  } finally {
    fs.closeSync(fd);
  }
}

export async function browse(r: Request, attached: Map<string, string>): Promise<void> {
  const p = r.query.get('path');
  if (!p) return sendText(r.res, 400, "Expecting 'path=value' in query.\n");
  const listed = listFiles(attached, p);
  if (!listed.ok) return fail(r, listed);
  sendJsonOk(r, listed.entries.map((e) => fileInfo(e.path, e.stat)));
}

export async function read(r: Request, attached: Map<string, string>): Promise<void> {
  const p = r.query.get('path');
  if (!p) return sendText(r.res, 400, "Expecting 'path=value' in query.\n");
  let offset = -1;
  const o = r.query.get('offset');
  if (o !== null) {
    if (!/^-?\d+$/.test(o)) return sendText(r.res, 400, `Failed to parse offset: Failed to convert '${o}' to number.\n`);
    offset = Number(o);
    if (offset < -1) return sendText(r.res, 400, `Negative offset provided: ${offset}.\n`);
  }
  let length: number | undefined;
  const l = r.query.get('length');
  if (l !== null) {
    if (!/^-?\d+$/.test(l)) return sendText(r.res, 400, `Failed to parse length: Failed to convert '${l}' to number.\n`);
    const n = Number(l);
    if (n < -1) return sendText(r.res, 400, `Negative length provided: ${n}.\n`);
    if (n > -1) length = n;
  }
  // offset=-1 asks for the size only (the web UI's pailer does this first).
  const got = readFileRange(attached, p, offset === -1 ? 0 : offset, offset === -1 ? 0 : length);
  if (!got.ok) return fail(r, got);
  sendJsonOk(r, { data: got.data.toString('utf8'), offset: offset === -1 ? got.size : offset });
}

export async function download(r: Request, attached: Map<string, string>): Promise<void> {
  const p = r.query.get('path');
  if (!p) return sendText(r.res, 400, "Expecting 'path=value' in query.\n");
  const resolved = resolvePath(attached, p);
  if (!resolved.ok) return fail(r, resolved);
  if (fs.statSync(resolved.path).isDirectory()) return sendText(r.res, 400, 'Cannot download a directory.\n');
  const body = fs.readFileSync(resolved.path);
  r.res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename=${path.basename(resolved.path)}`,
    'Content-Length': body.length,
  });
  r.res.end(body);
}

/** FilesProcess::attach: the real path of `file` under `virtualPath`; a path that is not there is not attached. */
export function attachFile(attached: Map<string, string>, virtualPath: string, file: string, log: (m: string) => void): void {
  try {
    attached.set(virtualPath, fs.realpathSync(file));
  } catch (err) {
    log(`Failed to attach '${file}' to virtual path '${virtualPath}': Failed to get realpath of '${file}': ${(err as Error).message}`);
  }
}

/** FilesProcess's routes, with and without `.json`; `attached` maps virtual paths to real ones. */
export function filesRoutes(router: Router, attached: Map<string, string>): void {
  for (const suffix of ['', '.json']) {
    router.on('*', `/files/browse${suffix}`, (r) => browse(r, attached));
    router.on('*', `/files/read${suffix}`, (r) => read(r, attached));
    router.on('*', `/files/download${suffix}`, (r) => download(r, attached));
    router.on('*', `/files/debug${suffix}`, (r) => sendJsonOk(r, Object.fromEntries(attached)));
  }
}
