import { Context, log } from '@temporalio/activity';
import type { WahaClient } from '../clients/waha-client.js';
import { sendIntervalMs, typingMsFor, type PacingSettings } from '../domain/reply-pacing.js';
import { parseMessageId } from '../domain/whatsapp-ids.js';
import type { Metrics } from '../observability/metrics.js';
import type { SendPace } from '../stores/sql/send-pace.js';

export interface PresenceDeps {
  waha: WahaClient;
  pacing: PacingSettings;
  /** Where the send slots of each WAHA session are handed out (shared by every worker). */
  sendPace: SendPace;
  metrics?: Metrics;
}

/** A send slot further away than this is not waited for: the reply step tries again later. */
const MAX_SLOT_WAIT_MS = 30_000;

/**
 * What a person sees before a reply arrives, as from a contact: blue ticks on what was
 * answered, "typing…" for a time that grows with the message, and messages no faster than
 * the number's send rate. Presence is a courtesy: a failed call is counted, never fatal.
 */
export function createReplyPresence({ waha, pacing, sendPace, metrics }: PresenceDeps) {
  async function courtesy(call: 'sendSeen' | 'startTyping' | 'stopTyping', run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      metrics?.presenceFailures.inc({ call });
      log.warn(`WAHA ${call} failed; the reply goes out all the same`, { error: String(error) });
    }
  }

  /** How long until this session may send: a slot taken now, or a retryable failure when none is near. */
  async function takeSlot(session: string): Promise<number> {
    const interval = sendIntervalMs(pacing.sendRatePerMinute);
    if (interval === 0) return 0;
    const waitMs = await sendPace.reserve(session, interval, MAX_SLOT_WAIT_MS);
    if (waitMs === null) {
      metrics?.sendsPaced.inc({ outcome: 'deferred' });
      throw new Error(`SEND_RATE_PER_MINUTE (${pacing.sendRatePerMinute}) has no send slot for session ${session} within ${MAX_SLOT_WAIT_MS / 1000} s; trying again`);
    }
    if (waitMs > 0) metrics?.sendsPaced.inc({ outcome: 'waited' });
    return waitMs;
  }

  return {
    /** Whether a reply is preceded by "typing…" (TYPING_MS_PER_CHAR above 0). */
    types: pacing.typingMsPerChar > 0,

    /** Blue ticks for the messages answered; in a group, one call per participant, as WAHA asks. */
    async markSeen(session: string, chatId: string, messageIds: string[]): Promise<void> {
      const byParticipant = new Map<string | null, string[]>();
      for (const id of messageIds) {
        const participant = parseMessageId(id)?.participant ?? null;
        byParticipant.set(participant, [...(byParticipant.get(participant) ?? []), id]);
      }
      for (const [participant, ids] of byParticipant) {
        await courtesy('sendSeen', () => waha.sendSeen({ session, chatId, messageIds: ids, ...(participant ? { participant } : {}) }));
      }
    },

    /**
     * Right before one message goes out: "typing…" for its typing time, then its send slot.
     * The slot is taken last, so that a send leaves when its slot comes and sends stay apart
     * by the rate (taken before typing, slots already due would all leave at typing's end).
     */
    async beforeSend(session: string, chatId: string, text: string): Promise<void> {
      const typingMs = typingMsFor(text, pacing);
      const sleep = (ms: number) => (ms > 0 ? Context.current().sleep(ms) : Promise.resolve());
      if (typingMs > 0) {
        await courtesy('startTyping', () => waha.setTyping({ session, chatId }, true));
        await sleep(typingMs);
        await courtesy('stopTyping', () => waha.setTyping({ session, chatId }, false));
      }
      await sleep(await takeSlot(session));
    },
  };
}
