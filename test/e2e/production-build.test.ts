import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bareEnv, runCommand, runEntry } from '../support/child-process.js';
import { freePort } from '../support/stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const started: ReturnType<typeof runCommand>[] = [];
afterAll(async () => {
  for (const running of started.reverse()) await running.interrupt();
});

/** The command lines of a process and everything it started, from /proc. */
function processTree(pid: number): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).trim().split('\n');
  const rows = lines.map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)!).map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }));
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) if (tree.has(row.ppid) && !tree.has(row.pid)) grew = tree.add(row.pid).size > 0;
  }
  return rows.filter((row) => tree.has(row.pid)).map((row) => row.args);
}

describe('the production build', () => {
  it('npm run build compiles to dist/ with the workflow code bundled once; npm run start:prod answers through the simulator with no tsx running', { timeout: 240_000 }, async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    expect(existsSync(`${ROOT}dist/main.js`)).toBe(true);
    expect(readFileSync(`${ROOT}dist/workflow-bundle.js`, 'utf8')).toContain('chatWorkflow');

    const [port, devPort, uiPort, wahaPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const ports = { PORT: String(port), TEMPORAL_DEV_PORT: String(devPort), TEMPORAL_UI_PORT: String(uiPort), WAHA_URL: `http://127.0.0.1:${wahaPort}` };
    const chatmem = runCommand('npm', ['run', 'start:prod'], bareEnv({ CHATMEM_DATA_DIR: mkdtempSync(`${tmpdir()}/chatmem-prod-`), ...ports }));
    started.push(chatmem);
    await chatmem.waitForLine(/up\. WAHA webhook: POST/, 120_000);

    // The simulator serves the WAHA API chatmem sends to.
    const simulator = runEntry('src/simulator/chat.ts', ['--from', '5511977770001', '--waha-port', String(wahaPort)], bareEnv({ PORT: String(port) }));
    simulator.child.stdin.end('hello from the build\n');
    const [, reply] = await simulator.waitForLine(/^bot> (.*)$/, 60_000);
    expect(reply).toContain('hello from the build');

    const tree = processTree(chatmem.child.pid!);
    expect(tree.some((args) => /node dist\/main\.js/.test(args))).toBe(true);
    expect(tree.filter((args) => /tsx/.test(args))).toEqual([]);
  });
});
