import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { describeError } from '../domain/describe-error.js';
import type { Logger } from './logger.js';

/**
 * Sends the Temporal SDK's logs (worker, workflows, activities) through our pino logger. An
 * error the SDK attaches becomes its whole cause chain in one line ("… ← connect
 * ECONNREFUSED 127.0.0.1:1"): pino would print an Error under any key but `err` as `{}`. The
 * activity's task token, a long base64 string no reader can use, is left out.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    this.logger[method]({ ...readable(meta), source: 'temporal' }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

function readable(meta: LogMetadata | undefined): LogMetadata {
  if (!meta) return {};
  const { taskToken: _taskToken, ...rest } = meta;
  return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, value instanceof Error ? describeError(value) : value]));
}
