// LIST_FILES and READ_FILE of the master's and the agent's operator APIs: the
// /files browse and read over the attached paths, as Response messages (a
// FilesError is answered by files.ts' sendFilesError).
import { listFiles, nameOf, readFileRange, type FilesError } from '../files.js';
import type { Plain } from './stout-json.js';

export function listFilesResponse(attached: Map<string, string>, path: string): { response: Plain } | FilesError {
  const listed = listFiles(attached, path);
  if (!listed.ok) return listed;
  // protobuf::createFileInfo: st_mode, whole seconds of mtime, owners by name when known
  const fileInfos = listed.entries.map(({ path: p, stat }) => ({
    path: p, nlink: stat.nlink, size: stat.size, mtime: { nanoseconds: Math.trunc(stat.mtimeMs / 1000) * 1e9 }, mode: stat.mode,
    uid: nameOf('/etc/passwd', stat.uid), gid: nameOf('/etc/group', stat.gid),
  }));
  return { response: { type: 'LIST_FILES', list_files: { file_infos: fileInfos } } };
}

export function readFileResponse(attached: Map<string, string>, read: Plain): { response: Plain } | FilesError {
  const got = readFileRange(attached, read.path, read.offset, read.length);
  if (!got.ok) return got;
  return { response: { type: 'READ_FILE', read_file: { size: got.size, data: got.data.toString('base64') } } };
}
