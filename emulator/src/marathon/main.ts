// Entry point of the emulated Marathon (mesosphere/marathon:v1.7.x stand-in):
// flags, HTTP API, ZooKeeper state and leader election, and the Mesos
// scheduler once elected.
import { parseMarathonFlags } from '../common/flags.js';
import { makeLogger } from '../common/log.js';
import { parseZkUrl, Zk } from '../common/zk.js';
import { createHttpServer } from './api/server.js';
import { hostPort, loadConfig, MARATHON_VERSION, type MarathonConfig } from './config.js';
import { Marathon } from './core.js';
import { Election } from './election.js';
import { EventBus } from './events.js';
import { MemTree, Store, SwitchableTree, ZkTree } from './storage.js';
import { sleep } from './util.js';

const log = makeLogger('Main');

function config(): MarathonConfig {
  try {
    return loadConfig(parseMarathonFlags(process.argv.slice(2), process.env));
  } catch (err) {
    // Scallop's way of refusing a command line.
    console.error(`[scallop] Error: ${(err as Error).message}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const cfg = config();
  log.info(`Starting Marathon ${MARATHON_VERSION} (emulated) with --master ${cfg.master} --zk ${cfg.zk} --hostname ${cfg.hostname} --http_port ${cfg.httpPort}`);
  const zkUrl = parseZkUrl(cfg.zk);
  const bus = new EventBus();
  const tree = new SwitchableTree();
  const store = new Store(tree, `${zkUrl.path === '/' ? '' : zkUrl.path}/state`, cfg.zkMaxVersions);

  let marathon: Marathon | undefined;
  const election = new Election(
    hostPort(cfg),
    {
      elected: () => marathon!.startLeadership(),
      defeated: () => marathon!.stopLeadership(),
    },
    cfg.ha ? zkUrl.path : undefined,
  );
  marathon = new Marathon(cfg, bus, store, election);

  // Stand down and offer leadership again (a new leader loads the stored state).
  const abdicate = () => void election.abdicate().catch((err) => log.warn(`Abdication failed: ${(err as Error).message}`));
  const server = createHttpServer(marathon, abdicate);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.httpPort, cfg.httpAddress, () => resolve());
  });
  log.info(`Listening for HTTP on ${cfg.httpAddress ?? '0.0.0.0'}:${cfg.httpPort}`);

  let currentZk: Zk | undefined;
  const needZk = cfg.ha || cfg.storeBackend === 'zk';
  const connectZk = async (): Promise<void> => {
    for (;;) {
      try {
        const zk = await Zk.connect(zkUrl.connect, { sessionTimeout: cfg.zkSessionTimeout, timeoutMs: cfg.zkConnectionTimeout });
        currentZk = zk;
        zk.onExpired(() => {
          log.warn('ZooKeeper session expired; standing down and reconnecting');
          election.lost();
          zk.close();
          void connectZk();
        });
        if (cfg.storeBackend === 'zk') tree.set(new ZkTree(zk));
        await election.start(cfg.ha ? zk : undefined);
        return;
      } catch (err) {
        log.warn(`ZooKeeper at ${zkUrl.connect} not reachable yet: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
  };
  if (cfg.storeBackend === 'mem') tree.set(new MemTree());
  if (needZk) void connectZk();
  else await election.start();

  const shutdown = (signal: string) => {
    log.info(`Received ${signal}; shutting down`);
    server.close();
    server.closeAllConnections?.();
    if (election.isLeader) marathon!.stopLeadership();
    election.stop();
    void marathon!.state.flush().finally(() => {
      currentZk?.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  log.error(`Marathon failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
