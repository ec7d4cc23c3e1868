import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { freePort } from '../../support/server-process.js';

/** Where Debian's package puts it; `PGBOUNCER_BIN` for another install. */
const PGBOUNCER = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

/**
 * A private PgBouncer in front of the machine's Postgres, on its own port, in transaction mode: each transaction
 * (or single statement) may run on a different server connection, as when many replicas share one Postgres.
 * `serverConnections` is kept below the service's pool size so client connections really do share them.
 */
export class PgBouncer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    readonly port: number,
  ) {}

  static async start(options: { database: string; postgresPort?: number; serverConnections: number }): Promise<PgBouncer> {
    const port = await freePort();
    const directory = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
    // PgBouncer refuses to run as root: as root it is told to switch to an unprivileged user, who must read this.
    chmodSync(directory, 0o755);
    const ini = join(directory, 'pgbouncer.ini');
    writeFileSync(
      ini,
      [
        '[databases]',
        `${options.database} = host=127.0.0.1 port=${options.postgresPort ?? 5432} dbname=${options.database}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(directory, 'userlist.txt')}`,
        'admin_users = postgres',
        'pool_mode = transaction',
        `default_pool_size = ${options.serverConnections}`,
        'max_client_conn = 200',
        // What node-postgres sends at connect besides user and database.
        'ignore_startup_parameters = extra_float_digits',
        'logfile =',
        'pidfile =',
      ].join('\n'),
    );
    writeFileSync(join(directory, 'userlist.txt'), '"postgres" ""\n');
    const runAs = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    const child = spawn(PGBOUNCER, [...runAs, ini], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const bouncer = new PgBouncer(child, directory, port);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${stderr}`);
      if (await accepts(port)) return bouncer;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await bouncer.stop();
    throw new Error(`pgbouncer did not listen: ${stderr}`);
  }

  /** A URL for `database` through this PgBouncer. */
  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A `SHOW …` of the admin console (its rows as objects). */
  async show(what: 'STATS' | 'POOLS' | 'CONFIG'): Promise<Record<string, string>[]> {
    const admin = new pg.Client({ connectionString: this.url('pgbouncer') });
    await admin.connect();
    try {
      return (await admin.query(`SHOW ${what}`)).rows as Record<string, string>[];
    } finally {
      await admin.end();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGINT');
      await exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
