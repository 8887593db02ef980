// Nested container sessions (LAUNCH_NESTED_CONTAINER_SESSION and the calls
// around it): a command run inside a running task's environment, its output
// streamed to whoever attached, its stdin fed by ATTACH_CONTAINER_INPUT, and
// its termination kept for WAIT_NESTED_CONTAINER. A real agent runs such a
// session as a DEBUG container joined to the task's namespaces, behind an IO
// switchboard; here a command task's session is a process with the task's
// environment and sandbox, a Docker task's an exec in its container.
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { ContainerID } from './types.js';

export type OutputStream = 'STDOUT' | 'STDERR';

/** One process of a session, whichever way it runs. */
export interface NestedProcess {
  /** every chunk of output, in order */
  onOutput(fn: (stream: OutputStream, data: Buffer) => void): void;
  /** stdin, where the process has one */
  write(data: Buffer): void;
  end(): void;
  kill(signal: number): void;
  /** the raw wait status (exit code << 8, or the signal), as Mesos reports a termination */
  readonly exited: Promise<number>;
}

/** A child process as a NestedProcess. */
export function childProcess(child: ChildProcess): NestedProcess {
  // a command that stops reading its stdin must not take the agent down (EPIPE)
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1 << 8));
    child.once('close', (code, signal) => resolve(signal ? (signalNumber(signal) ?? 9) : (code ?? 0) << 8));
  });
  return {
    onOutput(fn) {
      child.stdout?.on('data', (d: Buffer) => fn('STDOUT', d));
      child.stderr?.on('data', (d: Buffer) => fn('STDERR', d));
    },
    write: (data) => {
      if (child.stdin?.writable) child.stdin.write(data);
    },
    end: () => void child.stdin?.end(),
    kill(signal) {
      // the session's whole process group: it was started as its own
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
    },
    exited,
  };
}

function signalNumber(name: NodeJS.Signals): number | undefined {
  const n = os.constants.signals[name];
  return typeof n === 'number' ? n : undefined;
}

/** `parent.child`, as stringify(ContainerID) prints a nested id. */
export function containerIdText(id: ContainerID): string {
  return id.parent ? `${containerIdText(id.parent)}.${id.value}` : id.value;
}

interface Session {
  proc: NestedProcess;
  /** an ATTACH_CONTAINER_INPUT stream is connected (only one may be) */
  inputAttached?: boolean;
  /** output before anyone attached: the switchboard starts redirecting at the first attach */
  pending: Array<[OutputStream, Buffer]> | undefined;
  listeners: Set<(stream: OutputStream | 'EOF', data?: Buffer) => void>;
  status?: number;
  done: boolean;
}

/** The agent's nested containers by id (the child's value), with the last terminations kept for WAIT. */
export class NestedContainers {
  private readonly sessions = new Map<string, Session>();

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  add(id: string, proc: NestedProcess): void {
    const s: Session = { proc, pending: [], listeners: new Set(), done: false };
    this.sessions.set(id, s);
    proc.onOutput((stream, data) => {
      if (s.pending) s.pending.push([stream, data]);
      else for (const l of s.listeners) l(stream, data);
    });
    void proc.exited.then((status) => {
      s.status = status;
      s.done = true;
      // (a moment for the last output events of the pipes)
      setImmediate(() => {
        for (const l of s.listeners) l('EOF');
        s.listeners.clear();
      });
      // keep the last terminations only
      const ended = [...this.sessions].filter(([, x]) => x.done);
      for (const [k] of ended.slice(0, Math.max(0, ended.length - 100))) this.sessions.delete(k);
    });
  }

  /** Output from now (and what came before the first attach) until the process ends; false when unknown. */
  attach(id: string, listener: (stream: OutputStream | 'EOF', data?: Buffer) => void): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    if (s.pending) {
      for (const [stream, data] of s.pending) listener(stream, data);
      s.pending = undefined;
    }
    if (s.done) setImmediate(() => listener('EOF'));
    else s.listeners.add(listener);
    return true;
  }

  detach(id: string, listener: (stream: OutputStream | 'EOF', data?: Buffer) => void): void {
    this.sessions.get(id)?.listeners.delete(listener);
  }

  input(id: string): NestedProcess | undefined {
    const s = this.sessions.get(id);
    return s && !s.done ? s.proc : undefined;
  }

  /** Claims the session's stdin for one input stream: 'busy' when another has it, undefined when it is gone. */
  claimInput(id: string): { proc: NestedProcess; release(): void } | 'busy' | undefined {
    const s = this.sessions.get(id);
    if (!s || s.done) return undefined;
    if (s.inputAttached) return 'busy';
    s.inputAttached = true;
    return { proc: s.proc, release: () => void (s.inputAttached = false) };
  }

  /** Resolves once the session's process has ended (at once when unknown). */
  ended(id: string): Promise<void> {
    return this.sessions.get(id)?.proc.exited.then(() => undefined) ?? Promise.resolve();
  }

  /** The raw wait status once it ended; undefined for an unknown container. */
  wait(id: string): Promise<number> | undefined {
    return this.sessions.get(id)?.proc.exited;
  }

  /** false when unknown or already ended */
  kill(id: string, signal: number): boolean {
    const s = this.sessions.get(id);
    if (!s || s.done) return false;
    s.proc.kill(signal);
    return true;
  }

  remove(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s || !s.done) return false;
    this.sessions.delete(id);
    return true;
  }
}
