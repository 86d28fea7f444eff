import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  return null;
}
const compose = composeCommand();

describe('docker-compose.yml', () => {
  // .ci/run installs docker-compose when the machine has no compose at all.
  it.skipIf(!compose)('is valid with the documented .env (skipped only where no docker compose / docker-compose is installed)', () => {
    const [command, ...args] = compose!;
    const config = execFileSync(command!, [...args, '--env-file', '.env.example', 'config'], { cwd: ROOT, encoding: 'utf8' });
    for (const service of ['temporal:', 'temporal-ui:', 'temporal-db:', 'chatmem-db:', 'qdrant:', 'waha:', 'chatmem:']) {
      expect(config).toContain(`  ${service}`);
    }
    expect(config).toContain('WHATSAPP_HOOK_URL: http://chatmem:8080/webhooks/waha');
  });

  it.skipIf(!compose)('refuses to start without a WAHA API key (skipped only where no compose is installed)', () => {
    const [command, ...args] = compose!;
    const emptyEnv = `${mkdtempSync(`${tmpdir()}/compose-`)}/empty.env`;
    writeFileSync(emptyEnv, '');
    const result = spawnSync(command!, [...args, '--env-file', emptyEnv, 'config', '-q'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/WAHA_API_KEY/);
  });
});
