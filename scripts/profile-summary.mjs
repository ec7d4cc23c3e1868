// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package / source file and the top functions, as
// shares of the busy (non-idle) time.
// Usage: node scripts/profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: samples × their time deltas.
const selfMicros = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
// Shares are of the busy time: idle samples (the event loop waiting for I/O) are left out.
const idleIds = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
for (const id of idleIds) selfMicros.delete(id);
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

function groupOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nodeModules = url.lastIndexOf('node_modules/');
  if (nodeModules >= 0) {
    const rest = url.slice(nodeModules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? `src/${url.slice(dist + '/dist/'.length)}` : url;
}

const byGroup = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  const group = groupOf(url, name);
  byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
  const key = `${name} ${group}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}

const pct = (micros) => `${((100 * micros) / total).toFixed(1).padStart(5)}%`;
console.log(`busy time sampled: ${(total / 1e6).toFixed(2)} s`);
console.log('\nself time by package / file:');
for (const [group, micros] of [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(micros)}  ${group}`);
console.log('\ntop functions (self time):');
for (const [key, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(micros)}  ${key}`);
