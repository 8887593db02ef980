/** Waits for the host-swarm lock (up to `timeoutMs`) and returns its release. */
export function lockHostSwarm(timeoutMs?: number): Promise<() => void>;
