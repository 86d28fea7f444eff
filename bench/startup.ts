/**
 * `npm run bench:startup`: what a new user waits for. Runs `npm start` with nothing
 * configured (a fresh data folder, default ports) twice — the first start on an empty
 * folder, then a restart on the same one — and times: start to the "up" banner, the first
 * reply through the simulator, and Ctrl-C until everything has stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bareEnv, runCommand, runEntry } from '../test/support/child-process.js';
import { printTable, temporalCli } from './support.js';

temporalCli(); // installed before the clock starts, as `npm run setup:temporal` would
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
