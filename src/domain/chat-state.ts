import { dedupeKey, type InboundMessage } from './inbound-message.js';

/** How many recent dedupe keys a chat remembers; WAHA retries a delivery within ~30 s. */
export const DEDUPE_WINDOW = 1000;

/** What a chat workflow carries across continue-as-new. */
export interface ChatSnapshot {
  session: string;
  chatId: string;
  inbox: InboundMessage[];
  recentKeys: string[];
  messagesSeen: number;
  repliesSent: number;
  replyFailures: number;
  duplicatesDropped: number;
  lastInteractionAt: number | null;
}

/** What the `state` query shows an operator. */
export interface ChatStateView {
  session: string;
  chatId: string;
  messagesSeen: number;
  repliesSent: number;
  replyFailures: number;
  duplicatesDropped: number;
  /** Time of the last message, ISO 8601, or null before the first. */
  lastInteractionAt: string | null;
  queueLength: number;
}

/**
 * A chat's in-memory state: the inbox of accepted messages in arrival order and the window
 * of recent dedupe keys. Pure and deterministic, so the workflow can own it and carry it.
 */
export class ChatState {
  private readonly inbox: InboundMessage[];
  private readonly recentKeys: string[];
  private readonly keySet: Set<string>;
  private counters: Pick<ChatSnapshot, 'messagesSeen' | 'repliesSent' | 'replyFailures' | 'duplicatesDropped' | 'lastInteractionAt'>;

  constructor(private readonly identity: { session: string; chatId: string }, carried?: ChatSnapshot) {
    this.inbox = [...(carried?.inbox ?? [])];
    this.recentKeys = [...(carried?.recentKeys ?? [])];
    this.keySet = new Set(this.recentKeys);
    this.counters = {
      messagesSeen: carried?.messagesSeen ?? 0,
      repliesSent: carried?.repliesSent ?? 0,
      replyFailures: carried?.replyFailures ?? 0,
      duplicatesDropped: carried?.duplicatesDropped ?? 0,
      lastInteractionAt: carried?.lastInteractionAt ?? null,
    };
  }

  /** Queues a message unless this chat has seen it already; returns whether it was queued. */
  accept(message: InboundMessage): boolean {
    if (!this.remember(dedupeKey(message))) {
      this.counters.duplicatesDropped += 1;
      return false;
    }
    this.inbox.push(message);
    return true;
  }

  hasPending(): boolean {
    return this.inbox.length > 0;
  }

  takeNext(): InboundMessage | undefined {
    return this.inbox.shift();
  }

  /** A message that reached storage: it counts as seen and moves the chat's clock. */
  recordStored(message: InboundMessage): void {
    this.counters.messagesSeen += 1;
    this.counters.lastInteractionAt = Math.max(this.counters.lastInteractionAt ?? 0, message.timestamp);
  }

  /** Another delivery of the same message (e.g. its `@lid` twin) was stored first. */
  recordDuplicate(): void {
    this.counters.duplicatesDropped += 1;
  }

  /** Remembers our reply's WhatsApp id so WAHA's fromMe echo of it is dropped on arrival. */
  recordReplySent(waId: string): void {
    this.counters.repliesSent += 1;
    const key = dedupeKey({ fromMe: true, waId });
    if (this.remember(key)) return;
    // The echo overtook our bookkeeping and is already queued: it is the reply itself.
    const queued = this.inbox.findIndex((message) => dedupeKey(message) === key);
    if (queued !== -1) {
      this.inbox.splice(queued, 1);
      this.counters.duplicatesDropped += 1;
    }
  }

  recordReplyFailure(): void {
    this.counters.replyFailures += 1;
  }

  snapshot(): ChatSnapshot {
    return { ...this.identity, inbox: [...this.inbox], recentKeys: [...this.recentKeys], ...this.counters };
  }

  view(): ChatStateView {
    const { lastInteractionAt, ...counts } = this.counters;
    return {
      ...this.identity,
      ...counts,
      lastInteractionAt: lastInteractionAt === null ? null : new Date(lastInteractionAt * 1000).toISOString(),
      queueLength: this.inbox.length,
    };
  }

  private remember(key: string): boolean {
    if (this.keySet.has(key)) return false;
    this.keySet.add(key);
    this.recentKeys.push(key);
    while (this.recentKeys.length > DEDUPE_WINDOW) this.keySet.delete(this.recentKeys.shift()!);
    return true;
  }
}
