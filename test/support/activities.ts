import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivitySettings } from '../../src/activities/settings.js';
import { loadConfig } from '../../src/config.js';
import type { PacingSettings } from '../../src/domain/reply-pacing.js';

/** Activities run outside a worker, configured as an operator would: small windows and budgets, replies sent at once. */
const config = loadConfig({
  SYSTEM_PROMPT: 'Be brief.',
  DEBOUNCE_MS: '0',
  TAKEOVER_PAUSE: '60s',
  SUMMARY_TOKEN_LIMIT: '1000',
  SUMMARY_MODEL: 'small',
  CONTEXT_TOKEN_BUDGET: '2000',
  LTM_TOP_K: '3',
  KNOWLEDGE_TOP_K: '3',
  TYPING_MS_PER_CHAR: '0',
  TYPING_MAX_MS: '0',
  GROUP_MENTION_ASKER: 'false',
});

export const TEST_ACTIVITY_SETTINGS: ActivitySettings = { chat: config.chat, context: config.context };

/** Replies sent at once, unsplit up to 1,500 characters, unpaced. */
export const TEST_PACING: PacingSettings = config.pacing;

const env = new MockActivityEnvironment();
const retryEnv = new MockActivityEnvironment({ attempt: 2 });

/** Runs an activity in an activity context (as a worker would), keeping its argument and result types. */
export const runActivity = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  env.run(activity as (...args: unknown[]) => Promise<R>, ...args) as Promise<R>;

/** The same as Temporal's second attempt of the activity: after the first failed, or its worker died. */
export const retryActivity = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  retryEnv.run(activity as (...args: unknown[]) => Promise<R>, ...args) as Promise<R>;
