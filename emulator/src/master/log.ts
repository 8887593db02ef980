// How the master logs: loggers named after the Mesos source line that logs the
// same event, and the forms Mesos prints resources, frameworks and agents in
// (validation errors reuse the resources form, so it is user-visible too).
import { makeLogger } from '../common/log.js';
import { text, type ResList } from '../common/resource-list.js';
import type { Agent, Framework } from './types.js';

const loggers = new Map<string, ReturnType<typeof makeLogger>>();
export function glog(where: string): ReturnType<typeof makeLogger> {
  let l = loggers.get(where);
  if (!l) loggers.set(where, (l = makeLogger(where)));
  return l;
}

/** `cpus(allocated: *):0.5; mem(allocated: *):64` as stringify(Resources) prints them in validation errors. */
export function resourcesText(res: ResList, role?: string): string {
  return text(res, role);
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
