import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';

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
        censor: '[redacted]',
      },
      hooks: { streamWrite: scrub },
    },
    options.destination ?? pino.destination(1),
  );
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
  return [config.openai.apiKey === 'not-needed' ? '' : config.openai.apiKey, config.waha.apiKey ?? '', config.waha.webhookHmacKey ?? '', config.vectors.qdrantApiKey ?? '', password].filter(Boolean);
}
