// mesos-agent stand-in: same flags, same endpoints, same task environment as
// Apache Mesos 1.7, running command and Docker tasks for real.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { parseMesosFlags } from '../common/flags.js';
import { MasterDetector } from '../common/leader.js';
import { attachFile } from '../common/files.js';
import { logToDirectory, makeLogger } from '../common/log.js';
import * as L from '../common/resource-list.js';
import { recoverAgentId } from './identity.js';
import { Agent } from './agent.js';
import { BUILD_DATE, BUILD_USER, defaultResources, FlagError, loadConfig, MESOS_VERSION, parseAgentResources, type AgentConfig } from './config.js';
import { inspectSelf, killOrphans, type DockerSupport, type SelfContainer } from './docker-executor.js';
import { DockerEngine, ownContainerId } from './docker.js';
import { agentRouter } from './http-api.js';
import { MasterLink } from './master-link.js';

const log = makeLogger('main.cpp:350');

/** stout's EXIT(EXIT_FAILURE) << msg: one glog error line, then exit 1. */
function exitWith(msg: string): never {
  makeLogger('main.cpp:294').error(`EXIT with status 1: ${msg}`);
  process.exit(1);
}

/**
 * The engine's version, asked again while the engine is merely slow or busy (a
 * timeout, EAGAIN on a full socket backlog, a reset, a 5xx): an engine starting
 * many containers at once can take longer than one try allows. A missing or
 * forbidden socket fails at once, as the real agent's `docker --version` does.
 */
async function dockerVersion(engine: DockerEngine): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await engine.version();
      return;
    } catch (err) {
      const e = err as Error & { code?: string; status?: number };
      const transient = /timed out|EAGAIN|ECONNRESET|EPIPE|socket hang up/.test(`${e.code ?? ''} ${e.message}`) || (e.status ?? 0) >= 500;
      if (!transient || Date.now() > deadline) throw err;
      log.warn(`Docker did not answer /version yet (${e.message}); asking again`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main(): Promise<void> {
  const raw = parseMesosFlags(process.argv.slice(2), process.env);
  if (raw.get('help') === 'true') {
    console.log('Usage: mesos-agent [options]\n\n  --master=VALUE    May be one of: host:port, zk://host1:port1,host2:port2,.../path, file:///path/to/file\n  --work_dir=VALUE  Path of the agent work directory.');
    process.exit(0);
  }
  if (raw.get('version') === 'true') {
    console.log(`mesos ${MESOS_VERSION}`);
    process.exit(0);
  }
  let cfg: AgentConfig;
  try {
    cfg = loadConfig(raw);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`${err.message}\n\nSee \`mesos-agent --help\` for a list of supported flags.\n`);
    process.exit(1);
  }
  if (!cfg.master) exitWith('Missing required option `--master` or `--master_detector`');
  for (const name of cfg.unknown) log.warn(`Ignoring unknown flag '${name}'`);

  let master = cfg.master;
  if (master.startsWith('file://')) {
    try {
      master = fs.readFileSync(master.slice('file://'.length), 'utf8').trim();
    } catch (err) {
      exitWith(`Failed to create a master detector: Failed to read from file at '${master.slice(7)}': ${(err as Error).message}`);
    }
  }
  if (!master.startsWith('zk://') && !/^[^:/]+(:\d+)?$/.test(master.replace(/^https?:\/\//, '').replace(/\/.*$/, ''))) {
    exitWith(`Failed to create a master detector: Failed to parse '${master}'`);
  }

  try {
    fs.mkdirSync(cfg.workDir!, { recursive: true });
  } catch (err) {
    exitWith(`Failed to create work directory '${cfg.workDir}': ${(err as Error).message}`);
  }
  try {
    cfg.resources = parseAgentResources(cfg.flags.resources, defaultResources(cfg.workDir!), cfg.flags.default_role ?? '*');
  } catch (err) {
    exitWith((err as Error).message);
  }
  for (const c of cfg.containerizers) {
    if (c !== 'mesos' && c !== 'docker') exitWith(`Failed to create a containerizer: Unknown or unsupported containerizer: ${c}`);
  }

  // Looking for the master starts now, beside the engine checks below (on an
  // engine busy starting a cluster those take a while); the agent registers
  // once both are done. ZooKeeper may be down for a while: keep trying, as the
  // real detector does.
  const detector = new MasterDetector(master);
  const startDetector = (): void => {
    detector.start().catch((err: Error) => {
      log.error(`Failed to detect a master: ${err.message}`);
      setTimeout(startDetector, 2000);
    });
  };
  startDetector();

  // The docker containerizer needs a working daemon at start-up, as the real one does.
  let docker: DockerSupport | undefined;
  const engine = new DockerEngine(cfg.dockerSocket);
  if (cfg.containerizers.includes('docker')) {
    try {
      await dockerVersion(engine);
    } catch (err) {
      exitWith(
        `Failed to create a containerizer: Could not create DockerContainerizer: Failed to create docker: Failed to get docker version: Failed to execute 'docker -H unix://${cfg.dockerSocket} --version': ${(err as Error).message}`,
      );
    }
  }
  if (engine.available()) {
    // Also for MESOS containers with an image, which this agent runs through Docker.
    const self: SelfContainer = await inspectSelf(engine, cfg.ip, [ownContainerId(), os.hostname()]).catch(() => ({ labels: {} }));
    docker = { engine, self, proxies: new Map() };
    if (cfg.flags.docker_kill_orphans === 'true') {
      await killOrphans(engine, self, (m) => log.info(m)).catch((err: Error) => log.warn(`Failed to look for orphaned containers: ${err.message}`));
    }
    log.info(`Agent container ${self.id?.slice(0, 12) ?? '(unknown)'} on Docker network ${self.network ?? '(unknown)'}`);
  }

  const agent = new Agent(cfg, docker);
  const incompatible = agent.recoverCheckpointed();
  if (incompatible) exitWith(`Failed to perform recovery: ${incompatible}`);
  agent.agentId = recoverAgentId(cfg.workDir!);
  if (agent.agentId) log.info(`Recovering agent ${agent.agentId}: it re-registers with that ID`);
  // Slave::initialize attaches its log as /slave/log.
  const logFile = cfg.externalLogFile ?? (cfg.logDir ? logToDirectory(cfg.logDir, 'mesos-agent') : undefined);
  if (logFile) attachFile(agent.attached, '/slave/log', logFile, (m) => log.error(m));
  log.info(`Build: ${BUILD_DATE} by ${BUILD_USER}`);
  log.info(`Version: ${MESOS_VERSION}`);
  log.info(
    `Agent resources: ${L.text(agent.total)}`,
  );

  const server = http.createServer(agentRouter(agent).listener());
  // ATTACH_CONTAINER_INPUT is a request body that lasts as long as a session: no time limit on receiving one
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.bindIp, () => resolve());
  }).catch((err: Error) => exitWith(`Failed to initialize: Failed to bind on ${cfg.bindIp}:${cfg.port}: ${err.message}`));
  log.info(`Agent started on 1)@${cfg.ip}:${cfg.advertisedPort}`);
  log.info(`Agent hostname: ${cfg.hostname}`);

  const link = new MasterLink(agent, detector);
  link.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`Received ${signal}; shutting down`);
    await agent.shutdown();
    // Give the terminal updates a moment to reach the master.
    await link.flush(2000);
    link.stop();
    detector.stop();
    server.close();
    process.exit(0);
  };
  agent.onShutdownRequest = () => void stop('a shutdown message');
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

// A task's trouble must never take the agent down with it.
process.on('unhandledRejection', (err) => log.error(`Unhandled error: ${(err as Error)?.stack ?? String(err)}`));

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
