import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { endProcess, freePort } from '../../support/server-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` (an error counts as "not yet") until it holds; throws with `what` after `timeoutMs`. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One redis-server process on 127.0.0.1: a data node or, with `--sentinel`, a Sentinel. */
export class RedisProcess {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  /** A client for the test's own checks: never waits longer than 2 s per command, never reconnects. */
  client(): Redis {
    const client = new Redis({ port: this.port, host: '127.0.0.1', commandTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // surfaces as the failed command
    return client;
  }

  /** One command on a short-lived connection. */
  async command(...args: [string, ...(string | number)[]]): Promise<unknown> {
    const client = this.client();
    try {
      return await client.call(...args);
    } finally {
      client.disconnect();
    }
  }

  /** `config`: a configuration file, which redis-server takes as its first argument. */
  async launch(args: string[], config?: string): Promise<void> {
    const common = ['--port', String(this.port), '--bind', '127.0.0.1', '--loglevel', 'warning'];
    const child = spawn('redis-server', [...(config ? [config] : []), ...common, ...args], { stdio: 'ignore' });
    this.child = child;
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
      if ((await this.command('PING').catch(() => null)) === 'PONG') return;
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** SIGSTOP: connections stay open but nothing is answered, as with a partitioned or frozen host. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGKILL: the process dies with its data, connected clients see their sockets close. */
  kill(): Promise<void> {
    return endProcess(this.child, 'SIGKILL');
  }
}

/**
 * A private Sentinel deployment: a master, one replica and three Sentinels (quorum 2) on ports of its own, set for a
 * quick failover (master down after 1 s). Nothing is persisted; every file lives in one temp directory that `stop()`
 * removes. Sentinels run as `redis-server --sentinel` (`redis-sentinel` is the same binary), never as the machine's
 * Sentinel service, which does not know this master.
 */
export class SentinelGroup {
  readonly masterName = `cat-fault-${process.pid}`;
  private readonly directory = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));

  /** `master` and `replica` are the roles the two data nodes start in. */
  private constructor(
    readonly master: RedisProcess,
    readonly replica: RedisProcess,
    readonly sentinels: RedisProcess[],
  ) {}

  /** Ports chosen, nothing started yet: the service can be given `sentinelList` before any Sentinel runs. */
  static async reserve(): Promise<SentinelGroup> {
    const ports = new Set<number>();
    while (ports.size < 5) ports.add(await freePort());
    const [master, replica, ...sentinels] = [...ports].map((port) => new RedisProcess(port));
    return new SentinelGroup(master!, replica!, sentinels);
  }

  /** `REDIS_SENTINELS` for the service. */
  get sentinelList(): string {
    return this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',');
  }

  /** Starts everything; resolves once the replica is in sync and every Sentinel can authorise a failover. */
  async start(): Promise<void> {
    await this.master.launch(this.dataNodeArgs(`node-${this.master.port}`));
    await this.launchReplica(this.replica, this.master);
    await Promise.all(this.sentinels.map((sentinel, i) => this.launchSentinel(sentinel, i)));
    // Sentinels find each other through the master (hello messages every 2 s).
    for (const sentinel of this.sentinels) {
      await until(async () => {
        const [replicas, quorum] = await Promise.all([
          sentinel.command('SENTINEL', 'REPLICAS', this.masterName),
          sentinel.command('SENTINEL', 'CKQUORUM', this.masterName),
        ]);
        return (replicas as unknown[]).length === 1 && /^OK 3 usable/.test(String(quorum));
      }, `Sentinel ${sentinel.port} to see the replica and the other Sentinels`);
    }
  }

  /**
   * Starts `node` again, empty, as a replica of `master` (as an old master rejoins after a failover), and waits until
   * every Sentinel counts it as a healthy replica, one that a next failover could promote.
   */
  async rejoin(node: RedisProcess, master: RedisProcess): Promise<void> {
    await this.launchReplica(node, master);
    for (const sentinel of this.sentinels) {
      await until(async () => {
        const replicas = (await sentinel.command('SENTINEL', 'REPLICAS', this.masterName)) as string[][];
        const fields = replicas.find((entry) => entry[entry.indexOf('port') + 1] === String(node.port));
        const field = (name: string) => fields?.[fields.indexOf(name) + 1];
        return field('flags') === 'slave' && field('master-link-status') === 'ok';
      }, `Sentinel ${sentinel.port} to count ${node.port} as a healthy replica`);
    }
  }

  /** The master's port as a majority of the Sentinels announce it (null while they disagree). */
  async announcedMasterPort(): Promise<number | null> {
    const answers = await Promise.all(
      this.sentinels.map((sentinel) => sentinel.command('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName).catch(() => null)),
    );
    const ports = answers.map((answer) => (Array.isArray(answer) ? Number(answer[1]) : null));
    return ports.find((port) => port !== null && ports.filter((other) => other === port).length >= 2) ?? null;
  }

  /** Waits until the Sentinels announce `node` as the master and `node` knows it is one. */
  async awaitPromotion(node: RedisProcess, timeoutMs = 20_000): Promise<void> {
    await until(
      async () => (await this.announcedMasterPort()) === node.port && /role:master/.test(String(await node.command('INFO', 'replication'))),
      `${node.port} to be promoted`,
      timeoutMs,
    );
  }

  /** Kills every process (SIGKILL: there is nothing to save) and removes the temp directory. */
  async stop(): Promise<void> {
    await Promise.all([this.master, this.replica, ...this.sentinels].map((process) => process.kill()));
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** No snapshots, no AOF; a sync starts at once (no 5 s wait for more replicas) and a replica loads it in memory. */
  private dataNodeArgs(name: string): string[] {
    const dir = this.subdirectory(name);
    return ['--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0', '--repl-diskless-load', 'on-empty-db'];
  }

  private async launchReplica(node: RedisProcess, master: RedisProcess): Promise<void> {
    await node.launch([...this.dataNodeArgs(`node-${node.port}`), '--replicaof', '127.0.0.1', String(master.port)]);
    await until(async () => /master_link_status:up/.test(String(await node.command('INFO', 'replication'))), `${node.port} to sync`);
  }

  private async launchSentinel(sentinel: RedisProcess, index: number): Promise<void> {
    const dir = this.subdirectory(`sentinel-${index}`);
    // A Sentinel rewrites its configuration file as it learns the topology: each has its own.
    const config = join(dir, 'sentinel.conf');
    const name = this.masterName;
    writeFileSync(
      config,
      [
        `sentinel monitor ${name} 127.0.0.1 ${this.master.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    await sentinel.launch(['--sentinel', '--dir', dir], config);
  }

  private subdirectory(name: string): string {
    const dir = join(this.directory, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}
