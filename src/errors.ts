// One error type a user can act on: what went wrong, and the next command to run.

export type ErrorCode =
  | 'CONFIG'
  | 'USAGE'
  | 'ENGINE_UNREACHABLE'
  | 'IMAGE'
  | 'PORT_IN_USE'
  | 'NAME_IN_USE'
  | 'CONTAINER_EXITED'
  | 'DEADLINE'
  | 'NOT_FOUND'
  | 'INTERRUPTED'
  | 'MARATHON'
  | 'METRONOME'
  | 'INTERNAL';

export class MesosUpError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly logs: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; logs?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MesosUpError';
    this.code = code;
    this.hint = opts.hint;
    this.logs = opts.logs;
  }
}

/** Exit status for an error: 2 usage/config, 130 interrupted, 1 everything else. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof MesosUpError) {
    if (err.code === 'CONFIG' || err.code === 'USAGE') return 2;
    if (err.code === 'INTERRUPTED') return 130;
  }
  return 1;
}
