import { spawnSync } from 'node:child_process';

/**
 * `npm run test:faults [-- --full] [vitest args]`: the fault-injection suite in test/faults;
 * `--full` runs the long forms (e.g. 20 worker kills during 1,000 messages) instead of the
 * short ones `npm test` runs.
 */
const args = process.argv.slice(2);
const full = args.includes('--full');
const result = spawnSync('npx', ['vitest', 'run', 'test/faults', ...args.filter((arg) => arg !== '--full')], {
  stdio: 'inherit',
  env: { ...process.env, CHATMEM_FAULTS: '1', ...(full ? { FAULTS_SIZE: 'full' } : {}) },
});
process.exit(result.status ?? 1);
