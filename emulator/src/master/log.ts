// How the master logs: loggers named after the Mesos source line that logs the
// same event, and the forms Mesos prints frameworks and agents in (resources:
// resource-list.ts' text).
import { makeLogger } from '../common/log.js';
import type { Agent, Framework } from './types.js';

const loggers = new Map<string, ReturnType<typeof makeLogger>>();
export function glog(where: string): ReturnType<typeof makeLogger> {
  let l = loggers.get(where);
  if (!l) loggers.set(where, (l = makeLogger(where)));
  return l;
}

/** `<id> (<name>)`, as `operator<<(ostream&, const Framework&)` prints a framework. */
export function describeFramework(fw: Framework): string {
  return `${fw.id} (${fw.info?.name ?? ''})`;
}

/** `<id> at <pid> (<hostname>)`, as `operator<<(ostream&, const Slave&)` prints an agent. */
export function describeAgent(a: Agent): string {
  return `${a.id} at ${a.pid} (${a.hostname})`;
}

/** LOG(FATAL) and EXIT(EXIT_FAILURE): the reason in the log, then exit status 1 (another master takes over). */
export function die(where: string, message: string): never {
  glog(where).error(message);
  process.exit(1);
}
