/**
 * How a step answers the messages that queued in a chat (without a debounce window) while a
 * reply was being written. `in-turn`: one model call after another, each prompt holding the
 * replies before it. `side-by-side`: every model call at once, each prompt holding the
 * messages before its own but not the replies written beside it (as n8n's executions run);
 * the replies are still sent in order.
 */
export const QUEUED_REPLY_MODES = ['in-turn', 'side-by-side'] as const;
export type QueuedReplyMode = (typeof QUEUED_REPLY_MODES)[number];
