import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, loggerFor, prettyLines } from '../../src/observability/logger.js';
import { PinoTemporalLogger } from '../../src/observability/temporal-logger.js';

/** What a logger wrote, one string per line. */
function capture() {
  const lines: string[] = [];
  return { lines, out: { isTTY: true, write: (text: string) => lines.push(text) } };
}

describe("the Temporal SDK's log lines", () => {
  it('carry the whole cause of a failed activity, not {} and not its task token', () => {
    const { lines, out } = capture();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    new PinoTemporalLogger(createLogger({ secrets: [], destination: out })).warn('Activity failed', {
      error: new Error('Connection error.', { cause: refused }),
      durationMs: 12,
      taskToken: 'CiRkYjQ5ZTM3Zi1lN2ZiLTQ4N2Et',
      activityType: 'reply',
    });
    const line = JSON.parse(lines[0]!);
    expect(line.error).toBe('Error: Connection error. ← Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(line).not.toHaveProperty('taskToken');
    expect(line).toMatchObject({ msg: 'Activity failed', durationMs: 12, activityType: 'reply', source: 'temporal' });
  });
});

describe('logs on a terminal', () => {
  it('are one readable line per warning or error, and quiet below that unless LOG_LEVEL asks', () => {
    const { lines, out } = capture();
    const logger = loggerFor(loadConfig({}), out as unknown as NodeJS.WriteStream);
    logger.info({ taskQueue: 'chatmem' }, 'webpack compiled the workflow bundle');
    logger.warn({ messageId: 'false_1@c.us_A', error: 'connect ECONNREFUSED' }, 'the reply step failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN the reply step failed {2}messageId=false_1@c.us_A error=connect ECONNREFUSED\n$/);

    const verbose = capture();
    loggerFor(loadConfig({ LOG_LEVEL: 'info' }), verbose.out as unknown as NodeJS.WriteStream).info('up');
    expect(verbose.lines[0]).toMatch(/ INFO up\n$/);
  });

  it('stay JSON lines from info on where no person reads them, or when LOG_FORMAT=json', () => {
    const { lines, out } = capture();
    loggerFor(loadConfig({ LOG_FORMAT: 'json' }), out as unknown as NodeJS.WriteStream).info({ chatId: 'x' }, 'stored');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'stored', chatId: 'x' });
  });

  it('show a setting that is not set as not set, and a secret that is as [redacted]', () => {
    const { lines, out } = capture();
    const config = loadConfig({ WAHA_API_KEY: 'waha-secret-1234' });
    loggerFor(config, { ...out, isTTY: false } as unknown as NodeJS.WriteStream).info({ config }, 'configuration');
    const logged = JSON.parse(lines[0]!).config;
    expect(logged.waha.apiKey).toBe('[redacted]');
    expect(logged.waha.webhookHmacKey).toBeNull();
    expect(logged.openai.apiKey).toBe('not-needed');
    expect(lines[0]).not.toContain('waha-secret-1234');
  });

  it('pass a line that is not JSON through as it is', () => {
    const { lines, out } = capture();
    prettyLines(out).write('plain text\n');
    expect(lines).toEqual(['plain text\n']);
  });
});
