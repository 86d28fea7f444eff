import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { describeError } from '../domain/describe-error.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { QueuedReplyMode } from '../domain/queued-replies.js';
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

/** A step answering queued messages (in turn or side by side) begins no further reply after this long, so it stays well inside its timeout. */
const QUEUED_STEP_BUDGET_MS = 30_000;

/** Whether a step begun at `started` that has answered something may begin no further reply. */
const outOfTime = (started: number, answered: number) => answered > 0 && Date.now() - started > QUEUED_STEP_BUDGET_MS;

export interface StoredAndRepliedInTurn {
  /** One result per request answered, in order; fewer than asked when the step stopped early. */
  done: StoredAndReplied[];
  /** Why the step stopped at the request after the last done, when it failed there (not when it ran out of time). */
  stoppedBy?: string;
}

/** How the messages that queued behind a busy chat are answered (QUEUED_REPLIES). */
export interface QueuedReplies {
  mode: QueuedReplyMode;
  /** The model's text for a reply, nothing stored (`composeText`). */
  draft(request: ReplyRequest): Promise<string>;
  /** Gives back stored messages a step leaves unanswered, so the step that takes them next finds them fresh. */
  releaseClaims(claimTokens: string[]): Promise<void>;
}

/**
 * Storing and answering as one local activity, for chats without a debounce window: each
 * local activity costs the workflow a round trip through the SDK (about 11 ms on the
 * 2-core machine, measured), and there is nothing to wait for between the two. Both halves
 * are the steps the workflow otherwise runs one after the other, with their claim tokens, so
 * a retry stores nothing twice and sends nothing twice.
 */
export function createStoreAndReplyActivities(memory: Pick<MemoryActivities, 'recordArrivals'>, replies: Pick<ReplyActivities, 'reply'>, queued: QueuedReplies) {
  /**
   * QUEUED_REPLIES=side-by-side: every round stored first, in order (so each prompt holds the
   * messages before its own), then every model call at once, then each reply sent in order.
   * Ends as the in-turn step does: when a round fails, the ones before it are done and the ones
   * after it, stored but unanswered, are given back for the workflow to queue again; past the
   * step's budget, no further reply is begun, and the rounds left are given back the same way.
   */
  async function answerSideBySide(requests: StoreAndReplyRequest[]): Promise<StoredAndRepliedInTurn> {
    const started = Date.now();
    const stored: StoredAndReplied['stored'][] = [];
    let storingStoppedBy: string | undefined;
    for (const request of requests) {
      try {
        stored.push(await memory.recordArrivals(request.arrivals));
      } catch (error) {
        if (!stored.length) throw error;
        storingStoppedBy = describeError(error);
        break;
      }
    }
    const drafts = stored.map((rows, index) => (isToAnswer(rows) ? handled(queued.draft(requests[index]!.reply)) : null));
    const done: StoredAndReplied[] = [];
    try {
      for (const [index, rows] of stored.entries()) {
        // Slow sends one after another could otherwise outlast the step's timeout, after which the
        // workflow could no longer tell which of them were sent.
        if (outOfTime(started, done.length)) {
          await giveBack(requests.slice(index, stored.length));
          return { done };
        }
        const drafted = drafts[index];
        done.push({ stored: rows, reply: drafted ? await replies.reply(requests[index]!.reply, { drafted, firstAttempt: storedNow(rows) }) : null });
      }
    } catch (error) {
      // The round that failed is stored again by its own claim tokens (the workflow keeps them).
      await giveBack(requests.slice(done.length + 1, stored.length));
      if (!done.length) throw error;
      return { done, stoppedBy: describeError(error) };
    }
    return storingStoppedBy ? { done, stoppedBy: storingStoppedBy } : { done };
  }

  /** A database that just answered seldom stays away: a few quick tries (~3 s) before the step fails. */
  const givingBack = retry(handleAll, { maxAttempts: 4, backoff: new ExponentialBackoff({ initialDelay: 200 }) });
  function giveBack(rounds: StoreAndReplyRequest[]): Promise<void> {
    const claimTokens = rounds.flatMap((round) => round.arrivals.map((arrival) => arrival.claimToken));
    return givingBack.execute(() => queued.releaseClaims(claimTokens));
  }

  const activities = {
    async storeAndReply({ arrivals, reply }: StoreAndReplyRequest): Promise<StoredAndReplied> {
      const stored = await memory.recordArrivals(arrivals);
      return { stored, reply: isToAnswer(stored) ? await replies.reply(reply, { firstAttempt: storedNow(stored) }) : null };
    },

    /**
     * Messages that queued in a chat while it was busy, each stored and answered in turn as
     * `storeAndReply` does (so each reply sees the ones before it), in one local activity
     * instead of one each. Stops at the first failure: the first request's error is thrown as
     * `storeAndReply` throws it; a later one's ends the step with what was done before it.
     */
    async storeAndReplyInTurn(requests: StoreAndReplyRequest[]): Promise<StoredAndRepliedInTurn> {
      if (queued.mode === 'side-by-side' && requests.length > 1) return answerSideBySide(requests);
      const started = Date.now();
      const done: StoredAndReplied[] = [];
      for (const request of requests) {
        if (outOfTime(started, done.length)) break;
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

/** The message to answer (the last stored) was stored as new: another chat form did not have it, and the database took it. */
function isToAnswer(stored: StoredAndReplied['stored']): boolean {
  const last = stored[stored.length - 1];
  return !!last?.fresh && !last.rejected;
}

/**
 * The message to answer was stored by this attempt, not found from an earlier one: its reply's
 * claim token was made with its own, so no attempt can have stored a reply under it yet.
 */
function storedNow(stored: StoredAndReplied['stored']): boolean {
  return !!stored[stored.length - 1]?.storedNow;
}

/** A draft nobody awaits (its round never came) must not end the process as an unhandled rejection. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

export type StoreAndReplyActivities = ReturnType<typeof createStoreAndReplyActivities>;
