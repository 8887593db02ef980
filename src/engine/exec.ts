// Running a command inside a container (chaos: crash a task's process).
import type Docker from 'dockerode';
import { demux } from './containers.js';

export async function execIn(docker: Docker, id: string, cmd: string[]): Promise<{ output: string; exitCode: number }> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  return { output: demux(Buffer.concat(chunks)), exitCode: (await exec.inspect()).ExitCode ?? -1 };
}

export async function killContainer(docker: Docker, id: string, signal = 'SIGKILL'): Promise<void> {
  await docker.getContainer(id).kill({ signal });
}
