import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: `.tools/` and `scripts/` live there. */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The newest install in `.tools/` whose folder name starts with `prefix` and that `usable`
 * accepts; `usable` maps the folder to what the caller needs (a binary, the folder itself).
 */
export function newestToolInstall(prefix: string, usable: (dir: string) => string | null): string | null {
  let entries: string[];
  try {
    entries = readdirSync(join(PROJECT_ROOT, '.tools'));
  } catch {
    return null;
  }
  for (const name of entries.filter((entry) => entry.startsWith(prefix)).sort().reverse()) {
    const found = usable(join(PROJECT_ROOT, '.tools', name));
    if (found) return found;
  }
  return null;
}

/** Runs one of `scripts/install-*.sh`, which print what they installed on their last line. */
export function runInstallScript(script: string): string {
  const printed = execFileSync('bash', [join(PROJECT_ROOT, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return printed.trim().split('\n').at(-1)!;
}
