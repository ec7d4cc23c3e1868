/**
 * The published API contract: `openapi.json` at the repository root, and the typed client generated from it
 * (`clients/typescript/src/schema.ts`).
 *
 *   npm run openapi:export    write openapi.json from the app
 *   npm run client:generate   write clients/typescript/src/schema.ts from openapi.json
 *   npm run openapi:check     fail if either committed file differs from what the app describes
 *
 * The document comes from the app compiled as `npm run build` compiles it (the @nestjs/swagger compiler plugin reads
 * the DTOs' types during that build, and Nest's injection needs the decorator metadata tsc emits and tsx does not),
 * into a directory of its own so that dist/ stays as servers and tests use it. The app is created as production
 * creates it and never initialised: nothing listens, and nothing connects to Postgres or Redis (their connections
 * open in init hooks).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTRACT_FILE = path.join(ROOT, 'openapi.json');
const CLIENT_SCHEMA_FILE = path.join(ROOT, 'clients/typescript/src/schema.ts');
const BUILD_DIR = path.join(ROOT, 'node_modules/.cache/openapi-export');

/**
 * Settings the app needs to be created. Addresses where nothing listens: the document depends on no setting, and a
 * connection attempt would fail loudly instead of reaching a developer's database.
 */
const EXPORT_ENVIRONMENT: Record<string, string> = {
  DATABASE_URL: 'postgresql://openapi-export@127.0.0.1:1/unused',
  REDIS_URL: 'redis://127.0.0.1:1',
  // Empty counts as unset, and keeps a .env's Sentinel or Cluster nodes out.
  REDIS_SENTINELS: '',
  REDIS_CLUSTER_NODES: '',
  ADMIN_API_KEY: 'openapi-export-placeholder-key',
  LOG_LEVEL: 'error',
};

/** `nest build` with the project's settings (nest-cli.json, tsconfig.build.json) and another output directory. */
function buildApp(): string {
  const outDir = path.join(BUILD_DIR, 'dist');
  const tsconfig = path.join(BUILD_DIR, 'tsconfig.json');
  mkdirSync(BUILD_DIR, { recursive: true });
  writeFileSync(tsconfig, JSON.stringify({ extends: path.join(ROOT, 'tsconfig.build.json'), compilerOptions: { outDir } }));
  // Relative: the Nest CLI looks the path up under the project root.
  execFileSync('npx', ['--no-install', 'nest', 'build', '--path', path.relative(ROOT, tsconfig)], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  return outDir;
}

/** The app's OpenAPI document, as serialised in openapi.json. */
async function appContract(): Promise<string> {
  const outDir = buildApp();
  Object.assign(process.env, EXPORT_ENVIRONMENT);
  const load = <T>(module: string): Promise<T> => import(pathToFileURL(path.join(outDir, module)).href) as Promise<T>;
  const [factory, openapi] = await Promise.all([
    load<typeof import('../src/app.factory.js')>('app.factory.js'),
    load<typeof import('../src/common/http/openapi.js')>('common/http/openapi.js'),
  ]);
  const app = await factory.createApp({ requestLogging: false });
  try {
    return openapi.serializeOpenApiDocument(openapi.createOpenApiDocument(app));
  } finally {
    await app.close();
  }
}

/** openapi-typescript's output for the document, with its default options (as its CLI writes it). */
async function clientSchema(contract: string): Promise<string> {
  // Loaded only here: it brings the TypeScript compiler along.
  const { default: openapiTS, astToString, COMMENT_HEADER } = await import('openapi-typescript');
  const ast = await openapiTS(JSON.parse(contract) as Parameters<typeof openapiTS>[0], { silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The lines where the files start to differ, to say what changed without a diff tool. */
function firstDifference(committed: string, expected: string): string {
  const before = committed.split('\n');
  const after = expected.split('\n');
  let line = 0;
  while (line < before.length && line < after.length && before[line] === after[line]) line++;
  const show = (lines: string[], sign: string) =>
    lines
      .slice(line, line + 4)
      .map((text) => `      ${sign} ${text}`)
      .join('\n');
  return `    first difference at line ${line + 1}:\n${show(before, '-')}\n${show(after, '+')}`;
}

async function check(): Promise<boolean> {
  const contract = await appContract();
  const files = [
    { file: CONTRACT_FILE, expected: contract },
    { file: CLIENT_SCHEMA_FILE, expected: await clientSchema(contract) },
  ];
  const stale = files.filter(({ file, expected }) => readOrEmpty(file) !== expected);
  if (stale.length === 0) {
    console.log('openapi.json and the typed client match the app.');
    return true;
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'openapi-check-'));
  for (const { file, expected } of stale) {
    const fresh = path.join(scratch, path.basename(file));
    writeFileSync(fresh, expected);
    const relative = path.relative(ROOT, file);
    console.error(`${relative} is out of date: it differs from what the app describes.`);
    console.error(firstDifference(readOrEmpty(file), expected));
    console.error(`    full diff: git diff --no-index ${relative} ${fresh}\n`);
  }
  // The client is generated from openapi.json: after an API change, both, in this order.
  const update = stale[0].file === CONTRACT_FILE ? 'npm run openapi:export && npm run client:generate' : 'npm run client:generate';
  console.error(`To update: ${update}, then review the diff and commit.`);
  return false;
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? '--export';
  switch (mode) {
    case '--export':
      writeFileSync(CONTRACT_FILE, await appContract());
      console.log(`Wrote ${path.relative(ROOT, CONTRACT_FILE)}`);
      break;
    case '--client':
      writeFileSync(CLIENT_SCHEMA_FILE, await clientSchema(readFileSync(CONTRACT_FILE, 'utf8')));
      console.log(`Wrote ${path.relative(ROOT, CLIENT_SCHEMA_FILE)} from openapi.json`);
      break;
    case '--check':
      if (!(await check())) process.exitCode = 1;
      break;
    default:
      throw new Error(`Unknown mode ${mode}: use --export, --client or --check`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
