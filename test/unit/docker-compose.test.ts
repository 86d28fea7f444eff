import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVER_DYNAMIC_CONFIG } from '../../src/temporal/dev-server-args.js';

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
    const emptyEnv = `${mkdtempSync(`${tmpdir()}/compose-`)}/no-waha-key.env`;
    writeFileSync(emptyEnv, 'TEMPORAL_DB_PASSWORD=a\nCHATMEM_DB_PASSWORD=b\nQDRANT_API_KEY=c\n');
    const result = spawnSync(command!, [...args, '--env-file', emptyEnv, 'config', '-q'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/WAHA_API_KEY/);
  });
});

describe('docker-compose.yml, as an operator runs it for months', () => {
  const file = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
  const services = file.split('\nvolumes:')[0]!.split(/\n  (?=[a-z-]+:\n)/).slice(1);

  it('pins every image, restarts every service, and takes no password or key from the file itself', () => {
    expect(services.length).toBe(7);
    for (const service of services) {
      const name = service.split(':')[0];
      const image = /image: (\S+)/.exec(service)?.[1];
      if (image) expect(image, name).toMatch(/:(?!latest$)[\w.-]+$/);
      expect(service, name).toContain('restart: unless-stopped');
    }
    expect(file).not.toMatch(/PASSWORD: (?!\$\{)/);
    expect(file).not.toMatch(/PWD: (?!\$\{)/);
    expect(file).not.toMatch(/:chatmem@/);
  });

  it('starts chatmem once Temporal and its database are healthy, and keeps Qdrant off the host, behind a key', () => {
    const chatmem = services.find((service) => service.startsWith('chatmem:'))!;
    expect(chatmem).toMatch(/temporal:\n\s+condition: service_healthy/);
    expect(chatmem).toMatch(/chatmem-db:\n\s+condition: service_healthy/);
    expect(services.find((service) => service.startsWith('temporal:'))).toContain('healthcheck:');
    const qdrant = services.find((service) => service.startsWith('qdrant:'))!;
    expect(qdrant).not.toContain('ports:');
    expect(qdrant).toContain('QDRANT__SERVICE__API_KEY: ${QDRANT_API_KEY');
    expect(chatmem).toContain('QDRANT_API_KEY: ${QDRANT_API_KEY}');
  });
});

describe("docker compose's Temporal server", () => {
  it('gets the server settings chatmem gives its own dev server (a burst of messages behind a slow reply needs them)', () => {
    const file = readFileSync(`${ROOT}deploy/temporal-dynamic-config.yaml`, 'utf8');
    for (const [key, value] of Object.entries(SERVER_DYNAMIC_CONFIG)) {
      expect(file, key).toMatch(new RegExp(`^${key.replaceAll('.', '\\.')}:\\n  - value: ${value}\\n`, 'm'));
    }
    const compose = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
    expect(compose).toContain('./deploy/temporal-dynamic-config.yaml:/etc/temporal/config/dynamicconfig/chatmem.yaml:ro');
    expect(compose).toContain('DYNAMIC_CONFIG_FILE_PATH: config/dynamicconfig/chatmem.yaml');
  });
});
