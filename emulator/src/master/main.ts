// mesos-master stand-in: takes the real image's flags and MESOS_* environment,
// elects a leader through ZooKeeper exactly as Mesos does (or leads alone
// without --zk), and serves the master's HTTP API on --port.
import http from 'node:http';
import { attachFile } from '../common/files.js';
import { logToDirectory } from '../common/log.js';
import { parseMesosFlags } from '../common/flags.js';
import { EMULATOR_VERSION, FlagError, loadConfig, MESOS_VERSION, type MasterConfig } from './config.js';
import { Election } from './election.js';
import { glog } from './log.js';
import { Master } from './master.js';
import { recoverySettings } from './recovery.js';
import { buildRouter } from './server.js';

function fatal(msg: string, where = 'main.cpp:600'): never {
  glog(where).error(msg);
  process.exit(1);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--version')) {
    console.log(`mesos ${MESOS_VERSION}`);
    return;
  }
  let cfg: MasterConfig;
  try {
    cfg = loadConfig(parseMesosFlags(argv, process.env), process.env);
  } catch (err) {
    if (err instanceof FlagError) {
      console.error(`${err.message}\n\nSee \`mesos-master --help\` for a list of supported flags.`);
      process.exit(1);
    }
    throw err;
  }

  const log = glog('main.cpp:242');
  log.info(`Build: 2019-01-01 00:00:00 by mesos-up-emulator-${EMULATOR_VERSION}`);
  log.info(`Version: ${MESOS_VERSION}`);
  // Unknown MESOS_* variables are ignored silently, as Mesos does; a real master
  // would refuse an unknown command-line flag, this one only warns.
  for (const name of cfg.unknown) {
    if (argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`)) {
      glog('main.cpp:170').warn(`Ignoring unknown flag '${name}'`);
    }
  }
  glog('master.cpp:421').info(
    `Flags at startup: ${Object.entries(cfg.flags).map(([k, v]) => `--${k}="${v}"`).join(' ')}`,
  );
  if (cfg.flags.registry === 'replicated_log') {
    // A real master keeps a replicated log in --work_dir; this one keeps the registry in ZooKeeper (README.md).
    glog('main.cpp:355').info(
      cfg.zk
        ? 'Using the registry shared in ZooKeeper by the masters in place of the replicated log'
        : 'Using a registry in memory in place of the replicated log: without --zk it does not survive a restart',
    );
  }
  // Master::initialize refuses these before it does anything else.
  try {
    recoverySettings(cfg.flags);
  } catch (err) {
    fatal((err as Error).message, 'master.cpp:431');
  }

  const master = new Master(cfg);
  // Master::initialize: the log for the web UI, --external_log_file or the --log_dir file.
  const logFile = cfg.externalLogFile ?? (cfg.logDir ? logToDirectory(cfg.logDir, 'mesos-master') : undefined);
  if (logFile) attachFile(master.attached, '/master/log', logFile, (m) => glog('master.cpp:1101').error(m));
  const server = http.createServer(buildRouter(master).listener());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.bindIp, () => resolve());
  }).catch((err: Error) => fatal(`Failed to initialize: Failed to bind on ${cfg.bindIp}:${cfg.port}: ${err.message}`));
  glog('master.cpp:415').info(`Master ${master.id} (${cfg.hostname}) started on ${cfg.ip}:${cfg.advertisedPort}`);

  let election: Election | undefined;
  if (cfg.zk) {
    election = new Election(cfg.zk, cfg.zkSessionTimeoutMs, master.info, {
      leader: (info, self) => master.setLeader(info, self),
      lostCandidacy: (reason) => {
        if (master.elected) fatal(`Lost candidacy as a leader (${reason})... committing suicide!`, 'master.cpp:2081');
        glog('master.cpp:2084').info(`Lost candidacy as a follower (${reason})... Contend again`);
        election!.recontend().catch((err: Error) => fatal(`Failed to contend: ${err.message}`));
      },
      log: (msg) => glog('group.cpp:700').info(msg),
    });
    glog('contender.cpp:152').info(`Joining the ZooKeeper group at ${cfg.zk}`);
    election.start().catch((err: Error) => fatal(`Failed to contend: ${err.message}`));
  } else {
    // Without --zk the master is the only candidate (standalone contender).
    master.setLeader(master.info, true);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    glog('main.cpp:600').info(`Received ${signal}; shutting down`);
    // Closing the session removes the znode at once, so a standby takes over
    // without waiting for the session timeout.
    election?.close();
    master.stop();
    server.close();
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => fatal(err.stack ?? err.message));
