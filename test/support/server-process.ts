import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { PROJECT_ROOT } from '../setup/test-env.js';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerOptions {
  logLevel?: string;
  /** Collect stdout (the JSON log) into the returned `log` array, line by line. */
  captureLog?: boolean;
  /** Settings that differ from the test run's environment (another database, Redis, timeouts…). */
  env?: Record<string, string>;
}

/** `node dist/main.js` (the production build) on its own port, sharing the test database and Redis by default. */
export async function spawnServer(options: ServerOptions = {}): Promise<{ url: string; child: ChildProcess; log: string[] }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: options.logLevel ?? 'error' },
    stdio: ['ignore', options.captureLog ? 'pipe' : 'ignore', 'inherit'],
  });
  const log: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    log.push(...lines.filter(Boolean));
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health/live`);
      if (res.ok) return { url, child, log };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}

/** Sends `signal` and resolves once the process has exited (at once if it already had, or never started). */
export async function endProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

export function stopServer(child: ChildProcess): Promise<void> {
  return endProcess(child, 'SIGTERM');
}

