/**
 * `npm run bench:startup`: what a new user waits for. Runs `npm start` with nothing
 * configured (a fresh data folder, default ports) twice — the first start on an empty
 * folder, then a restart on the same one — and times: start to the "up" banner, the first
 * reply through the simulator, and Ctrl-C until everything has stopped. Then the worker's own
 * start, against a Temporal dev server already up: `npm run start:worker` (tsx, bundling the
 * workflow code with webpack at every start) beside `npm run start:prod:worker` (node on what
 * `npm run build` compiled, loading the prebuilt workflow bundle), three starts each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bareEnv, runCommand, runEntry } from '../test/support/child-process.js';
import { startTemporal } from '../test/support/stack.js';
import { percentile, printTable } from './support.js';
import { resolveTemporalCli } from '../src/embedded/temporal-cli.js';

resolveTemporalCli(); // installed before the clock starts, as `npm run setup:temporal` would
const dataDir = mkdtempSync(`${tmpdir()}/chatmem-bench-startup-`);
const rows: (string | number)[][] = [];

for (const run of ['first start (empty data folder)', 'restart (same folder)']) {
  const started = performance.now();
  const chatmem = runCommand('npm', ['start'], bareEnv({ CHATMEM_DATA_DIR: dataDir }));
  await chatmem.waitForLine(/up\. WAHA webhook/, 120_000);
  const up = performance.now() - started;

  const asked = performance.now();
  const simulator = runEntry('src/simulator/chat.ts', ['--from', '5511900001111'], bareEnv());
  simulator.child.stdin.end('hello\n');
  await simulator.waitForLine(/^bot> /, 60_000);
  const replied = performance.now() - asked;
  await simulator.exited;

  const stopping = performance.now();
  await chatmem.interrupt();
  if (!chatmem.lines.includes('chatmem: stopped; all data is kept')) throw new Error(`chatmem did not stop cleanly:\n${chatmem.lines.join('\n')}`);
  rows.push([run, Math.round(up), Math.round(replied), Math.round(performance.now() - stopping)]);
}
rmSync(dataDir, { recursive: true, force: true });

printTable('npm start with nothing configured (ms)', ['run', 'to the banner', 'simulator: message → reply', 'Ctrl-C → stopped'], rows);

const built = performance.now();
const build = runCommand('npm', ['run', 'build'], bareEnv());
if ((await build.exited) !== 0) throw new Error(`npm run build failed:\n${build.lines.join('\n')}`);
const buildMs = performance.now() - built;

const STARTS = 3;
const temporal = await startTemporal(resolveTemporalCli());
const workerRows: (string | number)[][] = [];
for (const [how, script] of [
  ['npm run start:worker (tsx; bundles the workflows at start)', 'start:worker'],
  ['npm run start:prod:worker (node dist/; prebuilt bundle)', 'start:prod:worker'],
]) {
  const times: number[] = [];
  for (let start = 0; start < STARTS; start++) {
    const folder = mkdtempSync(`${tmpdir()}/chatmem-bench-worker-`);
    const started = performance.now();
    const worker = runCommand('npm', ['run', script!], bareEnv({ TEMPORAL_ADDRESS: temporal.address, CHATMEM_DATA_DIR: folder, METRICS_PORT: '0' }));
    await worker.waitForLine(/chatmem worker: polling/, 120_000);
    times.push(performance.now() - started);
    await worker.interrupt();
    rmSync(folder, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  workerRows.push([how!, Math.round(percentile(times, 50)), Math.round(times[0]!), Math.round(times.at(-1)!)]);
}
await temporal.teardown();
const [fromSource, prebuilt] = workerRows.map((row) => row[1] as number);
workerRows.push(['prebuilt / from source', (prebuilt! / fromSource!).toFixed(2), '', '']);

printTable(`worker start to "polling", Temporal already up (ms; ${STARTS} starts each; npm run build took ${Math.round(buildMs)} ms)`, ['how', 'median', 'min', 'max'], workerRows);
