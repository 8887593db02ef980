import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildProgress } from '../../../src/engine/build-progress.js';
import { AptProgress } from '../../../src/util/apt-progress.js';

const recorded = (name: string) => readFileSync(path.join(import.meta.dirname, 'recorded', name), 'utf8').split('\n');

describe('progress instead of raw apt lines', () => {
  it('apt-get install (recorded: docker.io and debootstrap on Debian 12) goes from downloading to installing all of them', () => {
    const apt = new AptProgress();
    const seen = recorded('apt-install-docker.log').map((l) => apt.feed(l)).filter((x): x is string => !!x);
    expect(seen.slice(0, 2)).toEqual(['reading package lists', 'downloading packages 0/10']);
    // five of the ten were already in apt's cache: only five were fetched
    expect(seen).toContain('downloading packages 5/10');
    expect(seen).not.toContain('downloading packages 6/10');
    expect(seen.at(-1)).toBe('installing packages 10/10');
    // one line per change, never a raw apt line
    expect(seen.filter((l) => !/^((downloading|installing) packages \d+\/10|reading package lists)$/.test(l))).toEqual([]);
  });

  it('image builds side by side: one line naming each target, its step and its packages; raw lines only in the log', () => {
    const lines: string[] = [];
    const logged: string[] = [];
    const bar = new BuildProgress((l) => lines.push(l), { path: '/tmp/x.log', write: (t) => void logged.push(t), close: async () => undefined });
    const zk = bar.target('zookeeper');
    const master = bar.target('mesos-master');
    zk('Step 5/9 : RUN apt-get update && apt-get install -y zookeeper');
    master('Step 5/11 : RUN apt-get update && apt-get install -y nodejs');
    zk('0 upgraded, 90 newly installed, 0 to remove and 0 not upgraded.');
    zk('Unpacking zookeeper (3.8.0-11) ...');
    zk('Setting up zookeeper (3.8.0-11) ...');
    bar.done('mesos-master');
    expect(lines).toEqual([
      'zookeeper: step 5/9',
      'zookeeper: step 5/9 · mesos-master: step 5/11',
      'zookeeper: step 5/9, downloading packages 0/90 · mesos-master: step 5/11',
      'zookeeper: step 5/9, installing packages 0/90 · mesos-master: step 5/11',
      'zookeeper: step 5/9, installing packages 1/90 · mesos-master: step 5/11',
      'zookeeper: step 5/9, installing packages 1/90 · mesos-master: built',
    ]);
    expect(logged).toContain('[zookeeper] Unpacking zookeeper (3.8.0-11) ...');
  });
});
