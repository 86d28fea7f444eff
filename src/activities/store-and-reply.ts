import { describeError } from '../domain/describe-error.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { MemoryActivities, RecordedInbound } from './memory-activities.js';
import type { DeliveredReply, ReplyActivities, ReplyRequest } from './reply-activities.js';

export interface StoreAndReplyRequest {
  /** What arrived, in order; the last is the message to answer. */
  arrivals: { message: InboundMessage; claimToken: string }[];
  reply: ReplyRequest;
}

export interface StoredAndReplied {
  stored: Omit<RecordedInbound, 'settings'>[];
  /** Null when the message to answer was not stored as new (another chat form had it, or the database refused it). */
  reply: DeliveredReply | null;
}

/** A step answering queued messages in turn starts no further one after this long, so it stays well inside its timeout. */
const IN_TURN_BUDGET_MS = 30_000;

export interface StoredAndRepliedInTurn {
  /** One result per request answered, in order; fewer than asked when the step stopped early. */
  done: StoredAndReplied[];
  /** Why the step stopped at the request after the last done, when it failed there (not when it ran out of time). */
  stoppedBy?: string;
}

/**
 * Storing and answering as one local activity, for chats without a debounce window: each
 * local activity costs the workflow a round trip through the SDK (about 11 ms on the
 * 2-core machine, measured), and there is nothing to wait for between the two. Both halves
 * are the steps the workflow otherwise runs one after the other, with their claim tokens, so
 * a retry stores nothing twice and sends nothing twice.
 */
export function createStoreAndReplyActivities(memory: Pick<MemoryActivities, 'recordArrivals'>, replies: Pick<ReplyActivities, 'reply'>) {
  const activities = {
    async storeAndReply({ arrivals, reply }: StoreAndReplyRequest): Promise<StoredAndReplied> {
      const stored = await memory.recordArrivals(arrivals);
      const last = stored[stored.length - 1];
      if (!last?.fresh || last.rejected) return { stored, reply: null };
      return { stored, reply: await replies.reply(reply) };
    },

    /**
     * Messages that queued in a chat while it was busy, each stored and answered in turn as
     * `storeAndReply` does (so each reply sees the ones before it), in one local activity
     * instead of one each. Stops at the first failure: the first request's error is thrown as
     * `storeAndReply` throws it; a later one's ends the step with what was done before it.
     */
    async storeAndReplyInTurn(requests: StoreAndReplyRequest[]): Promise<StoredAndRepliedInTurn> {
      const started = Date.now();
      const done: StoredAndReplied[] = [];
      for (const request of requests) {
        if (done.length && Date.now() - started > IN_TURN_BUDGET_MS) break;
        try {
          done.push(await activities.storeAndReply(request));
        } catch (error) {
          if (!done.length) throw error;
          return { done, stoppedBy: describeError(error) };
        }
      }
      return { done };
    },
  };
  return activities;
}

export type StoreAndReplyActivities = ReturnType<typeof createStoreAndReplyActivities>;
