import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, on one registry served at GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chatmem_' });
  return {
    registry,
    webhookRequests: new Counter({
      name: 'chatmem_webhook_requests_total',
      help: 'WAHA webhook deliveries by outcome (accepted, ignored, own_echo: the echo of a message chatmem sent, invalid, unauthorized, rejected, unavailable, busy)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    stageSeconds: new Histogram({
      name: 'chatmem_stage_seconds',
      help: 'Duration of each pipeline stage: the webhook and every activity (result ok, error, or permanent: not retried)',
      labelNames: ['stage', 'result'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    messageWait: new Histogram({
      name: 'chatmem_message_wait_seconds',
      help: 'How long an accepted message waited between the webhook taking it and its chat storing it: grows when the worker falls behind',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    learningLag: new Histogram({
      name: 'chatmem_learning_lag_seconds',
      help: 'How long after the webhook took a user message it was learned (long-term memory and facts): LEARNING_PAUSE plus the wait behind earlier batches; grows when learning falls behind',
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    }),
    messagesRejected: new Counter({
      name: 'chatmem_messages_rejected_total',
      help: 'Accepted messages the database refused for good (not stored, not answered), by SQLSTATE',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    sendChecks: new Counter({
      name: 'chatmem_send_checks_total',
      help: "Retried sends checked against WAHA's chat messages first: found (the earlier attempt had sent it; not sent again), not_found (sent), unverifiable (this WAHA cannot list messages; sent, possibly twice)",
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    circuitOpen: new Gauge({
      name: 'chatmem_circuit_open',
      help: 'Per outside service (llm, waha): 1 while its circuit is open (it kept failing; waiting chats do not call it), else 0',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
    repliesUnanswered: new Counter({
      name: 'chatmem_replies_unanswered_total',
      help: 'User messages given up on without a reply, by reason: deadline (REPLY_DEADLINE passed while the model or WAHA failed), refused (the model or WAHA refused the request), too_old (older than REPLY_DEADLINE when their turn came)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    presenceFailures: new Counter({
      name: 'chatmem_presence_failures_total',
      help: 'WAHA presence calls that failed before a reply (seen, typing); the reply is sent all the same',
      labelNames: ['call'] as const,
      registers: [registry],
    }),
    sendsPaced: new Counter({
      name: 'chatmem_sends_paced_total',
      help: 'Sends held back by SEND_RATE_PER_MINUTE: waited (sent in a later slot) or deferred (no slot within a minute; the reply step tries again)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    messageChanges: new Counter({
      name: 'chatmem_message_changes_total',
      help: 'Edits and deletions (message.edited, message.revoked) by kind and outcome: applied, or unknown_message (the message is not in the transcript: sent before chatmem, or erased)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'chatmem_llm_tokens_total',
      help: 'Tokens the model reported, by model and kind (prompt, completion)',
      labelNames: ['model', 'kind'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The worker's activity interceptor that times every activity, local ones too, into chatmem_stage_seconds{stage=<activity type>}. */
export function activityTiming(metrics: Metrics): ActivityInterceptorsFactory {
  const stage = stageTimer(metrics);
  return (context) => ({ inbound: { execute: (input, next) => stage(context.info.activityType, () => next(input)) } });
}

/**
 * Times one stage into `chatmem_stage_seconds`: also a step inside an activity that does
 * several (the reply: compose, then send), so each keeps its own figures.
 */
export function stageTimer(metrics: Metrics | undefined) {
  return async <R>(name: string, run: () => Promise<R>): Promise<R> => {
    if (!metrics) return run();
    const stop = metrics.stageSeconds.startTimer({ stage: name });
    try {
      const result = await run();
      stop({ result: 'ok' });
      return result;
    } catch (error) {
      // `permanent`: the workflow gets this failure at once, without another attempt.
      stop({ result: error instanceof ApplicationFailure && error.nonRetryable ? 'permanent' : 'error' });
      throw error;
    }
  };
}
