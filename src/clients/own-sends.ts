import { LRUCache } from 'lru-cache';
import type { SentMessageId } from '../domain/waha-send-result.js';
import type { WahaClient } from './waha-client.js';

/** Sent ids remembered: far more than the echoes that can be on their way at once. */
const REMEMBERED = 20_000;
/** How long an echo waits for the sends in flight in its session; past it, it goes to its chat. */
const ECHO_WAIT_MS = 500;

/**
 * The messages this process sent through WAHA, so that the webhook can drop WAHA's echo of
 * them (`message.any`, fromMe) before Temporal: otherwise every reply costs its chat a second
 * signal and workflow task that only drops the echo. A send's id is known once WAHA answers,
 * and WAHA may post the echo before that answer arrives, so an echo waits for its session's
 * sends in flight. What is not known here (another process sent it, an answer was lost)
 * goes to the chat as before, which drops it by its id.
 */
export class OwnSends {
  private readonly sent = new LRUCache<string, true>({ max: REMEMBERED });
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();

  constructor(private readonly echoWaitMs = ECHO_WAIT_MS) {}

  /** Runs one send, remembering its id when WAHA answers with it. */
  track(session: string, send: () => Promise<SentMessageId>): Promise<SentMessageId> {
    const sending = send().then((id) => {
      this.sent.set(keyOf(session, id.waId), true);
      return id;
    });
    const pending = this.inFlight.get(session) ?? new Set<Promise<unknown>>();
    this.inFlight.set(session, pending);
    const settled = sending.then(noop, noop);
    pending.add(settled);
    void settled.then(() => {
      pending.delete(settled);
      if (pending.size === 0 && this.inFlight.get(session) === pending) this.inFlight.delete(session);
    });
    return sending;
  }

  /** Whether `waId` is a message this process sent in `session`, once the sends in flight there have been answered. */
  async sentHere(session: string, waId: string): Promise<boolean> {
    const key = keyOf(session, waId);
    if (this.sent.has(key)) return true;
    const pending = [...(this.inFlight.get(session) ?? [])];
    if (pending.length === 0) return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, this.echoWaitMs)))]);
    clearTimeout(timer);
    return this.sent.has(key);
  }
}

/** The WAHA client with every sendText tracked by `ownSends`. */
export function withOwnSendsTracked(waha: WahaClient, ownSends: OwnSends): WahaClient {
  return { ...waha, sendText: (request) => ownSends.track(request.session, () => waha.sendText(request)) };
}

function keyOf(session: string, waId: string): string {
  return `${session}\u0000${waId}`;
}

const noop = () => undefined;
