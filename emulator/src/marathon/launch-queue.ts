// What the launch queue keeps beside its counts: the launch backoff of each app
// version (RateLimiter) and the offer statistics /v2/queue reports
// (OfferMatchStatisticsActor, QueueInfoConversion).
import { timestamp } from './util.js';
import type { App } from './app/types.js';
import type { NoMatchReason } from './mesos/matcher.js';

/** Marathon's reason funnel, in order (NoOfferMatchReason.reasonFunnel). */
export const REASON_FUNNEL: Array<NoMatchReason | 'NoCorrespondingReservationFound' | 'AgentMaintenance' | 'DeclinedScarceResources'> = [
  'UnfulfilledRole', 'UnfulfilledConstraint', 'NoCorrespondingReservationFound', 'AgentMaintenance', 'InsufficientCpus',
  'InsufficientMemory', 'InsufficientDisk', 'InsufficientGpus', 'InsufficientPorts', 'DeclinedScarceResources',
];

/** An offer a queued launch could not use: the counts and last-offer record /v2/queue reports (OfferMatchStatisticsActor). */
export function recordUnused(q: QueueEntry, agentId: string, offer: Record<string, unknown>, reasons: NoMatchReason[]): void {
  q.unused++;
  q.lastUnusedAt = timestamp();
  const counted = funnelReason(reasons);
  if (counted) q.rejects.set(counted, (q.rejects.get(counted) ?? 0) + 1);
  // Kept until the next unused offer of the same agent, even past a match.
  q.lastByAgent.set(agentId, { offer, reason: reasons, timestamp: q.lastUnusedAt });
}

/** A fresh entry of the launch queue. */
export const queueEntry = (count: number): QueueEntry => ({ count, since: timestamp(), processed: 0, unused: 0, rejects: new Map(), lastByAgent: new Map() });

export interface QueueEntry {
  count: number;
  since: string;
  processed: number;
  unused: number;
  lastUnusedAt?: string;
  lastUsedAt?: string;
  /** reason counts since this launch attempt started */
  rejects: Map<string, number>;
  /** the last offer of each agent that did not match, with its reasons (OfferMatchStatisticsActor) */
  lastByAgent: Map<string, UnusedOffer>;
}

export interface UnusedOffer {
  offer: Record<string, unknown>;
  reason: string[];
  timestamp: string;
}

/** The reason an unused offer is counted under: the first of its reasons in the funnel. */
export const funnelReason = (reasons: string[]): string | undefined => REASON_FUNNEL.find((r) => reasons.includes(r));

interface Delay {
  deadline: number;
  current: number;
  max: number;
}

/** Conditions that increase the launch delay (NotifyRateLimiterStep.limitWorthy). */
export const LIMIT_WORTHY = new Set(['TASK_DROPPED', 'TASK_ERROR', 'TASK_FAILED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_FINISHED']);

/** What the backoff reads of a run spec (a pod's own backoff is handed in in these terms). */
export type BackoffSpec = Pick<App, 'id' | 'version' | 'versionInfo' | 'backoffSeconds' | 'backoffFactor' | 'maxLaunchDelaySeconds'>;

/** RateLimiter: a launch delay per run spec config version, growing by backoffFactor up to maxLaunchDelaySeconds. */
export class RateLimiter {
  private readonly delays = new Map<string, Delay>();

  private key(app: BackoffSpec): string {
    return `${app.id}@${app.versionInfo?.lastConfigChangeAt ?? app.version}`;
  }

  add(app: BackoffSpec): void {
    const key = this.key(app);
    const max = app.maxLaunchDelaySeconds * 1000;
    const cur = this.delays.get(key);
    const current = cur ? Math.min(max, cur.current * app.backoffFactor) : Math.min(app.backoffSeconds * 1000, max);
    this.delays.set(key, { deadline: Date.now() + current, current, max });
  }

  /** A task of the version started: the same delay again from now. */
  advance(app: BackoffSpec): void {
    const d = this.delays.get(this.key(app));
    if (d) d.deadline = Date.now() + d.current;
  }

  reset(app: BackoffSpec): void {
    this.delays.delete(this.key(app));
  }

  /** When the app may launch again; 0 without a delay. */
  deadline(app: BackoffSpec): number {
    return this.delays.get(this.key(app))?.deadline ?? 0;
  }

  has(app: BackoffSpec): boolean {
    return this.delays.has(this.key(app));
  }

  /** Forgets delays that ran out longer than their maximum ago. */
  expire(now: number): void {
    for (const [key, d] of this.delays) if (now > d.deadline + d.max) this.delays.delete(key);
  }

  clear(): void {
    this.delays.clear();
  }
}

/** /v2/queue entries (QueueInfoConversion). */
export function queueJson(
  queue: Map<string, QueueEntry>,
  specOf: (id: string) => { backoff: BackoffSpec; json: Record<string, unknown> } | undefined,
  limiter: RateLimiter,
  embedLastUnusedOffers: boolean,
): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const now = Date.now();
  for (const [id, q] of queue) {
    const spec = specOf(id);
    if (!spec || q.count <= 0) continue;
    const app = spec.backoff;
    // Without a backoff the deadline is when the launch attempt began (RateLimiter.getDeadline).
    const deadline = limiter.has(app) ? limiter.deadline(app) : Date.parse(q.since);
    const timeLeftSecs = Math.trunc((deadline - now) / 1000);
    const lastNoMatches = [...q.lastByAgent.values()].map((u) => funnelReason(u.reason)).filter((r): r is string => r !== undefined);
    const steps = (total: number, counts: Map<string, number>) => {
      let processed = total;
      return REASON_FUNNEL.map((reason) => {
        const declined = counts.get(reason) ?? 0;
        const step = { reason, declined, processed };
        processed -= declined;
        return step;
      });
    };
    const lastCounts = new Map<string, number>();
    for (const r of lastNoMatches) lastCounts.set(r, (lastCounts.get(r) ?? 0) + 1);
    const summary: Record<string, unknown> = { processedOffersCount: q.processed, unusedOffersCount: q.unused };
    if (q.lastUnusedAt) summary.lastUnusedOfferAt = q.lastUnusedAt;
    if (q.lastUsedAt) summary.lastUsedOfferAt = q.lastUsedAt;
    summary.rejectSummaryLastOffers = steps(lastNoMatches.length, lastCounts);
    summary.rejectSummaryLaunchAttempt = steps(q.processed, q.rejects);
    out.push({
      count: q.count,
      delay: { timeLeftSeconds: Math.max(0, timeLeftSecs), overdue: timeLeftSecs < 0 },
      since: q.since,
      processedOffersSummary: summary,
      ...(embedLastUnusedOffers ? { lastUnusedOffers: [...q.lastByAgent.values()] } : {}),
      ...spec.json,
    });
  }
  return out;
}
