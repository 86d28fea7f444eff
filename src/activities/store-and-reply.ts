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

/**
 * Storing and answering as one local activity, for chats without a debounce window: each
 * local activity costs the workflow a round trip through the SDK (about 11 ms on the
 * 2-core machine, measured), and there is nothing to wait for between the two. Both halves
 * are the steps the workflow otherwise runs one after the other, with their claim tokens, so
 * a retry stores nothing twice and sends nothing twice.
 */
export function createStoreAndReplyActivities(memory: Pick<MemoryActivities, 'recordArrivals'>, replies: Pick<ReplyActivities, 'reply'>) {
  return {
    async storeAndReply({ arrivals, reply }: StoreAndReplyRequest): Promise<StoredAndReplied> {
      const stored = await memory.recordArrivals(arrivals);
      const last = stored[stored.length - 1];
      if (!last?.fresh || last.rejected) return { stored, reply: null };
      return { stored, reply: await replies.reply(reply) };
    },
  };
}

export type StoreAndReplyActivities = ReturnType<typeof createStoreAndReplyActivities>;
