import pino, { type DestinationStream, type Logger } from 'pino';
import { NO_API_KEY, type Config } from '../config.js';

export type { Logger } from 'pino';

/**
 * JSON logs (pino). Secrets are removed twice: by path for the fields we know carry them,
 * and by value from every line written, so a secret that ends up in an error message or a
 * URL is never printed either.
 */
export function createLogger(options: { secrets: readonly (string | null | undefined)[]; level?: string; destination?: DestinationStream }): Logger {
  const secrets = [...new Set(options.secrets.filter((secret): secret is string => !!secret && secret.length >= 4))];
  const scrub = (line: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), line);
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'chatmem' },
      redact: {
        paths: [
          'config.openai.apiKey',
          'config.waha.apiKey',
          'config.waha.webhookHmacKey',
          'config.vectors.qdrantApiKey',
          'config.databaseUrl',
          '*.apiKey',
          'headers["x-api-key"]',
          'headers["x-webhook-hmac"]',
          'headers.authorization',
        ],
        // A setting that is not set has nothing to hide: "[redacted]" there would only mislead.
        censor: (value: unknown) => (value === null || value === undefined || value === '' || value === NO_API_KEY ? value : '[redacted]'),
      },
      hooks: { streamWrite: scrub },
    },
    options.destination ?? pino.destination(1),
  );
}

/**
 * The logger a chatmem process writes with, as LOG_FORMAT and LOG_LEVEL say: on a terminal,
 * by default, one readable line per warning or error; elsewhere JSON lines from `info` on.
 */
export function loggerFor(config: Config, out: NodeJS.WriteStream = process.stdout): Logger {
  const pretty = config.log.format === 'pretty' || (config.log.format === 'auto' && out.isTTY === true);
  const destination = pretty ? prettyLines(out) : out === process.stdout ? undefined : out;
  return createLogger({ secrets: secretsOf(config), level: config.log.level ?? (pretty ? 'warn' : 'info'), ...(destination ? { destination } : {}) });
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const NOT_SHOWN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** pino's JSON lines (secrets already scrubbed) as `12:34:56 WARN message key=value …`. */
export function prettyLines(out: { write(text: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return void out.write(line);
      }
      const time = new Date(Number(entry.time)).toISOString().slice(11, 19);
      const fields = Object.entries(entry)
        .filter(([key]) => !NOT_SHOWN.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`.slice(0, 300));
      out.write(`${time} ${LEVEL_NAMES[Number(entry.level)] ?? entry.level} ${String(entry.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}\n`);
    },
  };
}

/** Every secret the configuration holds: API keys, the HMAC key, the database password. */
export function secretsOf(config: Config): string[] {
  const password = (() => {
    if (!config.databaseUrl) return '';
    try {
      return decodeURIComponent(new URL(config.databaseUrl).password);
    } catch {
      return '';
    }
  })();
  return [config.openai.apiKey === NO_API_KEY ? '' : config.openai.apiKey, config.waha.apiKey ?? '', config.waha.webhookHmacKey ?? '', config.vectors.qdrantApiKey ?? '', password].filter(Boolean);
}
