// Metronome 0.6's JSON (the /v1 jobs API), as its responses carry it.

export interface JobRunSpec {
  cpus: number;
  mem: number;
  disk: number;
  gpus?: number;
  cmd?: string;
  args?: string[];
  user?: string;
  env?: Record<string, string | { secret: string }>;
  docker?: { image: string; forcePullImage?: boolean; privileged?: boolean; parameters?: Array<{ key: string; value: string }> };
  restart?: { policy: 'NEVER' | 'ON_FAILURE'; activeDeadlineSeconds?: number };
  maxLaunchDelay?: number;
  [more: string]: unknown;
}

export interface Schedule {
  id: string;
  cron: string;
  timezone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: 'ALLOW' | 'FORBID';
  enabled?: boolean;
  /** written by Metronome */
  nextRunAt?: string;
}

export interface Job {
  id: string;
  description?: string;
  labels?: Record<string, string>;
  run: JobRunSpec;
}

export interface JobRunTask {
  id: string;
  startedAt: string;
  completedAt?: string;
  status: string;
}

export interface JobRun {
  id: string;
  jobId: string;
  status: 'INITIAL' | 'STARTING' | 'ACTIVE' | 'SUCCESS' | 'FAILED';
  createdAt: string;
  completedAt: string | null;
  tasks: JobRunTask[];
}

export interface FinishedRun {
  id: string;
  createdAt: string;
  finishedAt: string;
  tasks?: string[];
}

export interface HistorySummary {
  successCount: number;
  failureCount: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

export interface History extends HistorySummary {
  successfulFinishedRuns: FinishedRun[];
  failedFinishedRuns: FinishedRun[];
}

/** GET /v1/jobs/{id}?embed=…: the job, and what was embedded. */
export interface JobInfo extends Job {
  schedules?: Schedule[];
  activeRuns?: JobRun[];
  history?: History;
  historySummary?: HistorySummary;
}
