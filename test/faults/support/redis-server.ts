import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { endProcess, freePort } from '../../support/server-process.js';

/**
 * A private `redis-server` on its own port, so a test can kill, stall or flush it without touching the
 * machine's Redis or another test's. Nothing is persisted: a restart comes back empty, like a lost node.
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A client for the test's own checks: it waits for a (re)connection, but never longer than 2 s per command. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 3, commandTimeout: 2_000, retryStrategy: () => 50 });
  }

  /** SIGKILL: the process dies with its data; connected clients see the sockets close. */
  kill(): Promise<void> {
    return endProcess(this.child, 'SIGKILL');
  }

  /** A new, empty server on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** SIGSTOP: sockets stay open but nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT: everything sent meanwhile is processed (and answered late). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async flushAll(): Promise<void> {
    const client = this.client();
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
  }

  private async launch(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    this.child = child;
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const probe = new Redis(this.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not listening yet
      } finally {
        probe.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('redis-server did not start');
  }
}
