// Nested container sessions in the emulated agent (emulator/src/agent/nested.ts)
// with real processes: output to whoever attaches (none lost before the first
// attach), stdin, kill, and the raw wait status Mesos reports; and how
// `mesos-up task exec` turns that status into its own exit code.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childProcess, containerIdText, NestedContainers, type OutputStream } from '../../../emulator/src/agent/nested.js';
import { exitCodeOf, RecordSplitter } from '../../../src/lifecycle/task-exec.js';

const sh = (script: string) => childProcess(spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] }));

function collect(n: NestedContainers, id: string): Promise<Array<[OutputStream, string]>> {
  const out: Array<[OutputStream, string]> = [];
  return new Promise((resolve) => {
    expect(n.attach(id, (stream, data) => (stream === 'EOF' ? resolve(out) : out.push([stream, data!.toString()])))).toBe(true);
  });
}

describe('nested container sessions', () => {
  it('streams stdout and stderr, keeps what came before the first attach, and reports exit 3 as wait status 3 << 8', async () => {
    const n = new NestedContainers();
    n.add('s1', sh('echo out; echo err >&2; exit 3'));
    await n.ended('s1'); // it has written everything and exited before anyone attached
    const out = await collect(n, 's1');
    expect(out).toEqual(expect.arrayContaining([['STDOUT', 'out\n'], ['STDERR', 'err\n']]));
    expect(await n.wait('s1')).toBe(3 << 8);
    expect(n.wait('nope')).toBeUndefined();
  });

  it('feeds stdin until it is closed, and kills with a signal (wait status = the signal)', async () => {
    const n = new NestedContainers();
    n.add('cat', sh('tr a-z A-Z'));
    const done = collect(n, 'cat');
    n.input('cat')!.write(Buffer.from('abc\n'));
    n.input('cat')!.end();
    expect((await done).map(([, d]) => d).join('')).toBe('ABC\n');
    expect(await n.wait('cat')).toBe(0);
    expect(n.input('cat')).toBeUndefined();

    n.add('sleep', sh('sleep 30'));
    expect(n.kill('sleep', 15)).toBe(true);
    expect(await n.wait('sleep')).toBe(15);
    expect(n.kill('sleep', 9)).toBe(false);
    expect(n.remove('sleep')).toBe(true);
    expect(n.has('sleep')).toBe(false);
  });

  it('survives a command that stops reading its stdin while input keeps coming (no EPIPE crash), and allows one input stream at a time', async () => {
    const n = new NestedContainers();
    n.add('head', sh('head -c 1 >/dev/null'));
    const claim = n.claimInput('head');
    expect(claim).not.toBe('busy');
    expect(n.claimInput('head')).toBe('busy');
    const { proc } = claim as { proc: { write(b: Buffer): void } };
    for (let i = 0; i < 50; i++) {
      proc.write(Buffer.alloc(65536, 120));
      await new Promise((r) => setImmediate(r));
    }
    expect(await n.wait('head')).toBe(0);
    expect(n.claimInput('head')).toBeUndefined();
  });

  it('prints nested ids as parent.child', () => {
    expect(containerIdText({ value: 'c', parent: { value: 'b', parent: { value: 'a' } } })).toBe('a.b.c');
  });
});

describe('task exec', () => {
  it("exits with the command's status, or 128 + the signal that ended it", () => {
    expect(exitCodeOf(0)).toBe(0);
    expect(exitCodeOf(7 << 8)).toBe(7);
    expect(exitCodeOf(15)).toBe(143);
    expect(exitCodeOf(9)).toBe(137);
  });

  it('splits RecordIO across chunk boundaries', () => {
    const s = new RecordSplitter();
    expect(s.push(Buffer.from('5\nhel'))).toEqual([]);
    expect(s.push(Buffer.from('lo3\nabc0\n')).map(String)).toEqual(['hello', 'abc', '']);
    expect(() => s.push(Buffer.from('x\n'))).toThrow(/bad RecordIO length/);
  });
});
