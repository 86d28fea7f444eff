import type { ReplySettings } from './reply-policy.js';

/**
 * The operator's settings the chat workflow acts on. They reach the workflow through the
 * result of its first step for each message (so they are in history, and a changed value
 * applies at once without restarting chats).
 */
export interface ChatSettings extends ReplySettings {
  /** User messages closer together than this get one reply; 0 answers each at once. */
  debounceMs: number;
  /** How long a human typing on the bot's phone silences the bot in that chat. */
  takeoverPauseMs: number;
  /** Tokens since the last summary past which the chat is summarized and continues as new. */
  summaryTokenLimit: number;
  /**
   * How long after a message its reply may still be sent: outside calls are retried until
   * then, and a message older than this is marked unanswered (REPLY_DEADLINE). Absent in
   * settings read by runs of an earlier version.
   */
  replyDeadlineMs?: number;
  /**
   * How long what users said waits before it is learned (LEARNING_PAUSE): what a chat says
   * meanwhile is learned with it, in one step. Absent in settings read by runs of an earlier version.
   */
  learningPauseMs?: number;
}
