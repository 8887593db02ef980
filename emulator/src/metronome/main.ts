// Entry point of the emulated Metronome 0.6.44 (DC/OS Jobs): settings from
// -D properties and METRONOME_* variables, the HTTP API at once (/ping
// answers before leadership), ZooKeeper for state and leader election, and
// the Mesos framework while leading.
import { makeLogger } from '../common/log.js';
import { parseZkUrl, Zk } from '../common/zk.js';
import { Election } from '../marathon/election.js';
import { MesosClient } from '../marathon/mesos/client.js';
import { SwitchableTree, ZkTree } from '../marathon/storage.js';
import { createHttpServer } from './api.js';
import { loadConfig, METRONOME_VERSION, type MetronomeConfig } from './config.js';
import { JobService } from './jobs.js';
import { MetronomeMetrics } from './metrics.js';
import { RunManager } from './runs.js';
import { JobScheduler } from './scheduler.js';
import { MetronomeStore } from './storage.js';

const log = makeLogger('Main');

function config(): MetronomeConfig {
  try {
    return loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`Configuration error: ${(err as Error).message}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const cfg = config();
  log.info(`Starting Metronome ${METRONOME_VERSION} (emulated) with zk ${cfg.zkUrl}, master ${cfg.master}, hostname ${cfg.hostname}, http port ${cfg.httpPort}`);
  const zkUrl = parseZkUrl(cfg.zkUrl);
  const base = zkUrl.path === '/' ? '' : zkUrl.path;
  const tree = new SwitchableTree();
  const store = new MetronomeStore(tree, `${base}/state`);
  const metrics = new MetronomeMetrics();
  const scheduler = new JobScheduler(cfg, store);
  const runs = new RunManager(store, scheduler, cfg.historyCount);
  runs.metrics = metrics;
  scheduler.runs = runs;
  scheduler.metrics = metrics;
  const service = new JobService(store, runs);

  let leading = false;
  let client: MesosClient | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const stepDown = () => {
    leading = false;
    clearInterval(ticker);
    client?.stop();
    client = undefined;
    scheduler.stop();
    service.stop();
    runs.clear();
  };

  const takeOver = async () => {
    await service.start();
    client = new MesosClient(cfg.master, scheduler);
    scheduler.client = client;
    scheduler.start();
    ticker = setInterval(() => runs.checkDeadlines(), 1000);
    // The API serves from here; Mesos may still be out of reach, as with the real one.
    leading = true;
    log.info('Elected as leader; serving the API');
    void client.start().catch((err) => log.error(`Mesos master detection failed: ${(err as Error).message}`));
  };

  const election = new Election(
    `${cfg.hostname}:${cfg.httpPort}`,
    {
      elected: () => void takeOver().catch((err) => {
        log.error(`Taking over leadership failed: ${(err as Error).stack ?? err}`);
        process.exit(1);
      }),
      defeated: () => {
        log.warn('Lost leadership');
        stepDown();
      },
    },
    base || undefined,
  );

  const server = createHttpServer({ service, scheduler, metrics, isLeader: () => leading });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.httpPort, cfg.httpAddress, () => resolve());
  });
  log.info(`Listening for HTTP on ${cfg.httpAddress ?? '0.0.0.0'}:${cfg.httpPort}`);

  let currentZk: Zk | undefined;
  const connectZk = async (): Promise<void> => {
    for (;;) {
      try {
        const zk = await Zk.connect(zkUrl.connect, { sessionTimeout: cfg.zkSessionTimeoutMs, timeoutMs: Math.max(cfg.zkTimeoutMs, 60_000) });
        currentZk = zk;
        zk.onExpired(() => {
          log.warn('ZooKeeper session expired; standing down and reconnecting');
          election.lost();
          zk.close();
          void connectZk();
        });
        tree.set(new ZkTree(zk));
        await election.start(zk);
        return;
      } catch (err) {
        log.warn(`ZooKeeper at ${zkUrl.connect} not reachable yet: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  void connectZk();

  const shutdown = (signal: string) => {
    log.info(`Received ${signal}; shutting down`);
    server.close();
    server.closeAllConnections?.();
    if (leading) stepDown();
    election.stop();
    currentZk?.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  log.error(`Metronome failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
