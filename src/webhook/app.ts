import Koa from 'koa';
import getRawBody from 'raw-body';
import { describeError } from '../domain/describe-error.js';
import { interpretWahaEvent } from '../domain/waha-event.js';
import { WEBHOOK_PATH } from '../domain/webhook-contract.js';
import type { Metrics } from '../observability/metrics.js';
import { opsRoutes } from '../observability/ops-routes.js';
import type { Readiness } from '../observability/readiness.js';
import type { OwnSends } from '../clients/own-sends.js';
import { DeliveryRefused, type ChatSignaler } from './chat-signaler.js';
import { DeliveriesBusy } from './delivery-limit.js';
import { hasValidSignature } from './hmac.js';

export interface WebhookAppOptions {
  signaler: ChatSignaler;
  hmacKey: string | null;
  bodyLimitBytes: number;
  /** Message text past this is cut, with a marker (MAX_MESSAGE_CHARS_STORED). */
  maxMessageChars: number;
  log?: (event: Record<string, unknown>) => void;
  metrics?: Metrics;
  readiness?: () => Promise<Readiness>;
  /** What the worker in this process sent through WAHA: their echoes are answered here, not signaled. */
  ownSends?: Pick<OwnSends, 'sentHere'>;
}

/** WAHA's own retry pace (2 s apart), said explicitly for other senders. */
const RETRY_AFTER_SECONDS = '2';

/**
 * The WAHA webhook. Every answer is final for WAHA: 2xx means "done, do not retry" and is
 * only given once Temporal holds the message; 503 asks WAHA to deliver again later, and is
 * only given when a later try can succeed. A body that can never be taken gets a 4xx.
 */
export function createWebhookApp(options: WebhookAppOptions): Koa {
  const write = options.log ?? (() => undefined);
  const app = new Koa();

  app.use(opsRoutes({ metrics: options.metrics, readiness: options.readiness }));
  app.use(async (ctx, next) => {
    if (ctx.path !== WEBHOOK_PATH) return next();
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'POST');
      ctx.body = { error: `use POST for ${WEBHOOK_PATH}` };
      return;
    }

    const stopTimer = options.metrics?.stageSeconds.startTimer({ stage: 'webhook' });
    const log = (event: Record<string, unknown> & { outcome: string }) => {
      options.metrics?.webhookRequests.inc({ outcome: event.outcome });
      stopTimer?.({ result: event.outcome });
      write(event);
    };

    let raw: Buffer;
    try {
      raw = await getRawBody(ctx.req, { limit: options.bodyLimitBytes });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      // The sender may still be sending: on a kept-alive connection Node then resets it and the
      // sender never reads this answer. On one that closes, Node reads the rest of the body first.
      ctx.set('Connection', 'close');
      ctx.status = status === 413 ? 413 : 400;
      ctx.body = { error: status === 413 ? `body larger than ${options.bodyLimitBytes} bytes` : 'could not read the body' };
      log({ outcome: 'rejected', status: ctx.status });
      return;
    }

    if (options.hmacKey && !hasValidSignature(options.hmacKey, raw, ctx.get('x-webhook-hmac') || undefined)) {
      ctx.status = 401;
      ctx.body = { error: 'missing or wrong X-Webhook-Hmac' };
      log({ outcome: 'unauthorized', status: 401 });
      return;
    }

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      ctx.status = 400;
      ctx.body = { error: `malformed JSON: ${(error as Error).message}` };
      log({ outcome: 'invalid', status: 400, reason: 'malformed JSON' });
      return;
    }

    const outcome = interpretWahaEvent(body, { maxMessageChars: options.maxMessageChars });
    if (outcome.kind === 'invalid') {
      ctx.status = 400;
      ctx.body = { error: outcome.reason };
      log({ outcome: 'invalid', status: 400, reason: outcome.reason });
      return;
    }
    if (outcome.kind === 'ignored') {
      ctx.status = 200;
      ctx.body = { status: 'ignored', reason: outcome.reason };
      log({ outcome: 'ignored', status: 200, reason: outcome.reason });
      return;
    }

    const { message } = outcome;
    if (message.fromMe && !message.change && (await options.ownSends?.sentHere(message.session, message.waId))) {
      ctx.status = 200;
      ctx.body = { status: 'ignored', reason: 'the echo of a message chatmem sent' };
      log({ outcome: 'own_echo', status: 200, chatId: message.chatId, messageId: message.messageId });
      return;
    }
    try {
      const { workflowId } = await options.signaler.deliver(message);
      ctx.status = 202;
      ctx.body = { status: 'accepted', workflowId };
      log({ outcome: 'accepted', status: 202, chatId: message.chatId, messageId: message.messageId });
    } catch (error) {
      if (error instanceof DeliveryRefused) {
        ctx.status = 400;
        ctx.body = { error: `Temporal refused the message: ${error.message}` };
        log({ outcome: 'invalid', status: 400, chatId: message.chatId, messageId: message.messageId, reason: describeError(error) });
        return;
      }
      ctx.status = 503;
      ctx.set('Retry-After', RETRY_AFTER_SECONDS);
      if (error instanceof DeliveriesBusy) {
        ctx.body = { error: `busy: ${error.message}` };
        log({ outcome: 'busy', status: 503, chatId: message.chatId, messageId: message.messageId });
        return;
      }
      ctx.body = { error: 'Temporal did not take the message; deliver it again' };
      log({ outcome: 'unavailable', status: 503, chatId: message.chatId, messageId: message.messageId, error: describeError(error) });
    }
  });

  return app;
}
