import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { EraseActivities, LearningActivities, MemoryActivities, ReplyActivities } from '../activities/index.js';
import { PERMANENT_FAILURE } from '../domain/failure-types.js';

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
  startToCloseTimeout: '90 seconds',
  retry: OUTSIDE_RETRY,
});

/**
 * The reply (model → store → WAHA) as a local activity: it runs inside the workflow task
 * that took the message, so a reply costs one workflow task. The SDK keeps that task alive
 * past its timeout while a slow model answers; a retry finds what an attempt already did.
 */
export const replying = proxyLocalActivities<ReplyActivities>({
  startToCloseTimeout: '90 seconds',
  retry: OUTSIDE_RETRY,
});
