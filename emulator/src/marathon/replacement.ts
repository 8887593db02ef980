// TaskReplaceActor's arithmetic, for apps and pods alike: while a restart
// replaces instances of an old version, how many old ones keep serving
// (minimumHealthCapacity) and how many new ones may start without going past
// maximumOverCapacity.
export function replacement(
  wanted: number,
  counts: { old: number; fresh: number; freshReady: number },
  strategy: { minimumHealthCapacity: number; maximumOverCapacity: number },
): { keepOld: number; launch: number } {
  const minHealthy = Math.ceil(wanted * strategy.minimumHealthCapacity);
  const maxCapacity = Math.floor(wanted * (1 + strategy.maximumOverCapacity));
  let keepOld = Math.min(counts.old, Math.max(0, minHealthy - counts.freshReady));
  if (counts.fresh < wanted && keepOld + counts.fresh >= maxCapacity) keepOld = Math.max(0, maxCapacity - counts.fresh - 1);
  return { keepOld, launch: Math.max(0, Math.min(wanted - counts.fresh, maxCapacity - keepOld - counts.fresh)) };
}
