import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { EraseActivities, LearningActivities, MediaActivities, MemoryActivities, ReplyActivities, StoreAndReplyActivities } from '../activities/index.js';
import { DEADLINE_PASSED, PERMANENT_FAILURE } from '../domain/failure-types.js';
import { MODEL_STEP_TIMEOUT_MS } from '../domain/model-step-limits.js';

// Database steps are short and must never give up: nothing accepted is ever lost.
export const memory = proxyLocalActivities<MemoryActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

// Outside services: back off, and stop at once on answers that say the request is wrong.
const OUTSIDE_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [PERMANENT_FAILURE],
};

// Erasing must finish however long the stores are away: no attempt limit.
export const erasing = proxyActivities<EraseActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export const outside = proxyActivities<ReplyActivities & LearningActivities>({
  startToCloseTimeout: MODEL_STEP_TIMEOUT_MS,
  retry: OUTSIDE_RETRY,
});

// Reading a voice note or an image: WAHA keeps the file for minutes only, so a few tries, then
// the message is stored with a placeholder that says why, and the chat goes on.
export const reading = proxyActivities<MediaActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4, nonRetryableErrorTypes: [PERMANENT_FAILURE] },
});

/**
 * The reply (model → store → WAHA) as a local activity: it runs inside the workflow task
 * that took the message, so a reply costs one workflow task. The SDK keeps that task alive
 * past its timeout while a slow model answers; a retry finds what an attempt already did.
 */
export const replying = proxyLocalActivities<ReplyActivities>({
  startToCloseTimeout: MODEL_STEP_TIMEOUT_MS,
  retry: OUTSIDE_RETRY,
});

/**
 * The same, retried without an attempt limit: the step itself stops at the reply's
 * deadline (DEADLINE_PASSED; a schedule-to-close timeout would end it before the deadline
 * whenever the next backoff reaches past it). Past 10 s a wait between attempts is a
 * workflow timer rather than a held task, so a thousand chats waiting on a down model hold
 * no task slots.
 */
export const replyingUntilDeadline = proxyLocalActivities<ReplyActivities>({
  startToCloseTimeout: MODEL_STEP_TIMEOUT_MS,
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '60 seconds', nonRetryableErrorTypes: [PERMANENT_FAILURE, DEADLINE_PASSED] },
});

/**
 * Storing and answering in one step, without a debounce window: one try. A failure leaves
 * the message to the two steps (storing, retried for as long as it takes; the reply,
 * retried until its deadline), so learning never waits on a model that is down.
 */
export const answeringAtOnce = proxyLocalActivities<StoreAndReplyActivities>({
  startToCloseTimeout: MODEL_STEP_TIMEOUT_MS,
  // A refusal fails as a refusal, as it does from the reply step (not as attempts run out).
  retry: { maximumAttempts: 1, nonRetryableErrorTypes: [PERMANENT_FAILURE, DEADLINE_PASSED] },
});

/**
 * Messages that queued behind a busy chat, answered in turn in one step: one try, as above.
 * The step starts no new message after 30 s, so its timeout is that plus one reply's.
 */
export const answeringInTurn = proxyLocalActivities<StoreAndReplyActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 1, nonRetryableErrorTypes: [PERMANENT_FAILURE, DEADLINE_PASSED] },
});
