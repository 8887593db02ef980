// Reaching the engine: every way a user points mesos-up at Docker either works
// or fails with what to do. "Fails fast" is checked by its mechanism, not by a
// clock: the reason in the message is the errno of the refused connection
// (ECONNREFUSED, ENOENT, EACCES), so the engine check's 2 s timer, whose reason
// reads "no answer within 2s", was not what ended the wait, and the process
// exited by itself with status 1. How long that takes belongs in bench/.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, cli } from '../support/cli.js';
import { closedPort } from '../support/tcp.js';


/** A docker CLI config dir whose current context points at `host`. */
function contextConfig(name: string, host: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesos-up-ctx-'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: name }));
  const meta = path.join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  mkdirSync(meta, { recursive: true });
  writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  chmodSync(dir, 0o755);
  return dir;
}

/** The engine check gave up on a connection answered at once with `errno`, not on its timer. */
function refusedAtOnce(stderr: string, endpoint: string, errno: string): void {
  expect(stderr).toContain(`No Docker Engine answered at ${endpoint}: ${errno}`);
  expect(stderr).not.toContain('no answer within');
}

describe('reaching the Docker Engine', () => {
  it('DOCKER_HOST=tcp:// with nothing listening: fails fast and says what to do', async () => {
    const port = await closedPort();
    const r = await cli(['status', '--name', 'x'], { env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } });
    expect(r.exitCode).toBe(1);
    refusedAtOnce(r.stderr, `tcp://127.0.0.1:${port} (DOCKER_HOST)`, 'ECONNREFUSED');
    expect(r.stderr).toContain('mesos-up doctor --fix');
  });

  it('DOCKER_HOST=tcp:// that accepts and never answers: gives up after its 2 s and closes the connection itself', async () => {
    // A server that takes the connection and says nothing; it never closes a socket itself.
    const peerClosed: boolean[] = [];
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      const i = peerClosed.push(false) - 1;
      sockets.push(socket);
      socket.on('end', () => (peerClosed[i] = true));
      socket.on('close', () => (peerClosed[i] = true));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // 60 s is only a hang guard: the process must end by itself, not when the server lets go.
      const r = await cli(['status', '--name', 'x'], { env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` }, timeoutMs: 60_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`No Docker Engine answered at tcp://127.0.0.1:${port} (DOCKER_HOST): no answer within 2s`);
      expect(r.stderr).toContain('mesos-up doctor --fix');
      // One attempt. The process ended by itself (the ping was aborted, not left
      // open; the old code stayed until the 60 s guard killed it): exit code 1 above.
      expect(peerClosed).toHaveProperty('length', 1);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('DOCKER_HOST=ssh:// that does not answer: fails fast and names ssh', async () => {
    const port = await closedPort();
    const r = await cli(['status', '--name', 'x'], { env: { DOCKER_HOST: `ssh://nobody@127.0.0.1:${port}` } });
    expect(r.exitCode).toBe(1);
    refusedAtOnce(r.stderr, `ssh://nobody@127.0.0.1:${port} (DOCKER_HOST)`, 'ECONNREFUSED');
    expect(r.stderr).toContain('reachable with ssh');
  });

  it('a rootless socket that is not running: says how to start the rootless daemon', async () => {
    const r = await cli(['status', '--name', 'x'], { env: { DOCKER_HOST: 'unix:///run/user/4242/docker.sock' } });
    expect(r.exitCode).toBe(1);
    refusedAtOnce(r.stderr, 'unix:///run/user/4242/docker.sock (DOCKER_HOST)', 'ENOENT');
    expect(r.stderr).toContain('systemctl --user start docker');
  });

  it('a socket without permission: says to join the docker group', async () => {
    // A socket nobody may open, and the CLI run as root without the capabilities that
    // let root ignore file permissions: the same EACCES a user outside the docker group gets.
    const sock = path.join(mkdtempSync(path.join(os.tmpdir(), 'mesos-up-sock-')), 'docker.sock');
    const srv = net.createServer().listen(sock);
    await new Promise((r) => srv.once('listening', r));
    chmodSync(sock, 0o000);
    try {
      const r = await execa('setpriv', ['--bounding-set', '-dac_override,-dac_read_search', '--', process.execPath, BIN, 'status', '--name', 'x'], {
        reject: false, env: { CI: 'true', DOCKER_HOST: `unix://${sock}` },
      });
      expect(r.exitCode).toBe(1);
      refusedAtOnce(r.stderr, `unix://${sock} (DOCKER_HOST)`, 'EACCES');
      expect(r.stderr).toContain('add yourself to the docker group');
    } finally {
      srv.close();
    }
  });

  it('follows the current docker context, working or failing fast', async () => {
    const good = await cli(['status', '--name', 'no-such-cluster'], { env: { DOCKER_CONFIG: contextConfig('local', 'unix:///var/run/docker.sock') } });
    expect(good.exitCode).toBe(1);
    expect(good.stderr).toContain('No cluster named no-such-cluster'); // the engine answered
    const port = await closedPort();
    const bad = await cli(['status', '--name', 'x'], { env: { DOCKER_CONFIG: contextConfig('remote', `tcp://127.0.0.1:${port}`) } });
    expect(bad.exitCode).toBe(1);
    refusedAtOnce(bad.stderr, `tcp://127.0.0.1:${port} (context remote)`, 'ECONNREFUSED');
  });

  it('doctor prints a table, and JSON, of what it checked', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.exitCode, r.stdout).toBe(0);
    const d = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ check: string; ok: boolean; warning?: boolean; detail: string }> };
    // a failed check that is not a warning names itself here
    expect(d.checks.filter((c) => !c.ok && !c.warning)).toEqual([]);
    expect(d.ok).toBe(true);
    expect(d.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['engine endpoint', 'engine socket', 'engine answers', 'cgroups', 'emulated images', 'base image']));
    const port = await closedPort();
    const bad = await cli(['doctor'], { env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/engine answers\s+FAIL/);
  });
});
