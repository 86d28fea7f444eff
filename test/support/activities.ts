import type { PacingSettings } from '../../src/domain/reply-pacing.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivitySettings } from '../../src/activities/settings.js';

/** Settings for activities run outside a worker: small windows and budgets. */
export const TEST_ACTIVITY_SETTINGS: ActivitySettings = {
  groupReply: 'mention',
  stmWindow: 20,
  systemPrompt: 'Be brief.',
  debounceMs: 0,
  takeoverPauseMs: 60_000,
  replyDeadlineMs: 60 * 60_000,
  summaryTokenLimit: 1000,
  summaryModel: 'small',
  contextTokenBudget: 2000,
  ltmTopK: 3,
  recall: 'hybrid',
  knowledgeTopK: 3,
};

/** Replies sent at once, unsplit up to 1,500 characters, unpaced. */
export const TEST_PACING: PacingSettings = { typingMsPerChar: 0, typingMaxMs: 0, maxMessageChars: 1500, sendRatePerMinute: 0, mentionAsker: false };

const env = new MockActivityEnvironment();
const retryEnv = new MockActivityEnvironment({ attempt: 2 });

/** Runs an activity in an activity context (as a worker would), keeping its argument and result types. */
export const runActivity = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  env.run(activity as (...args: unknown[]) => Promise<R>, ...args) as Promise<R>;

/** The same as Temporal's second attempt of the activity: after the first failed, or its worker died. */
export const retryActivity = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  retryEnv.run(activity as (...args: unknown[]) => Promise<R>, ...args) as Promise<R>;
