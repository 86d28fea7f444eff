import { dedupeKey, type InboundMessage, type MessageChange } from './inbound-message.js';

/** How many recent dedupe keys a chat remembers; WAHA retries a delivery within ~30 s. */
export const DEDUPE_WINDOW = 1000;
/** How many of the latest lines the `memory` query shows. */
export const RECENT_LINES = 10;
const RECENT_TEXT_LENGTH = 500;

/** One of the chat's latest lines, for operators (`memory` query, `chatmem inspect`). */
export interface RecentLine {
  /** ISO 8601. */
  at: string;
  /** `bot`, or the person (contact id) who wrote it. */
  from: string;
  senderName: string | null;
  text: string;
}

/** What the `memory` query shows: what the bot knows and remembers of this chat. */
export interface ChatMemoryView {
  summary: string | null;
  /** Facts per person (contact id), as the last fact extraction left them. */
  knowledge: Record<string, string[]>;
  recent: RecentLine[];
}

/** A message the database refused for good: not stored, not answered. */
export interface Rejection {
  messageId: string;
  reason: string;
  /** Message time, ISO 8601. */
  at: string;
}

/** Background learning (long-term memory, facts) that gave up on a message: it stays in short-term memory only. */
export interface LearningFailure {
  /** `rememberMessage` (long-term memory) or `learnFacts` (knowledge), or `learnFromBatch` when the step doing both gave up. */
  activity: string;
  messageId: string;
  reason: string;
}

/** User messages answered together whose reply was given up on; `chatmem retry` answers them. */
export interface UnansweredBatch {
  messages: InboundMessage[];
  /** The reply's claim token: a retry finds what an earlier attempt stored or sent. */
  claimToken: string;
  reason: string;
  /** When it was given up on, ISO 8601. */
  at: string;
}

/** The latest message given up on, for operators. */
export interface UnansweredLine {
  messageId: string;
  reason: string;
  at: string;
}

/** How many unanswered batches a chat keeps for `chatmem retry`; older ones stay counted, not retried. */
export const UNANSWERED_KEPT = 50;

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
  tokensSinceSummary: number;
  summaries: number;
  summary: string | null;
  /** Workflow time (ms) until which a human operator has the chat, or null. */
  pausedUntil: number | null;
  /** Absent in snapshots from before the `memory` query. */
  knowledge?: Record<string, string[]>;
  recent?: RecentLine[];
  /** Absent in snapshots from before rejected messages were counted. */
  rejected?: number;
  lastRejection?: Rejection | null;
  /** Absent in snapshots from before learning failures were counted. */
  learningFailures?: number;
  lastLearningFailure?: LearningFailure | null;
  /** Absent in snapshots from before the reply deadline. */
  unanswered?: UnansweredBatch[];
  retrying?: UnansweredBatch[];
}

/** What the `state` query shows an operator. */
export interface ChatStateView {
  session: string;
  chatId: string;
  messagesSeen: number;
  repliesSent: number;
  replyFailures: number;
  duplicatesDropped: number;
  /** Messages the database refused for good, and the latest of them with its reason. */
  rejected: number;
  lastRejection: Rejection | null;
  /** Messages that long-term memory or fact extraction gave up on, and the latest with its reason. */
  learningFailures: number;
  lastLearningFailure: LearningFailure | null;
  /** Time of the last message, ISO 8601, or null before the first. */
  lastInteractionAt: string | null;
  queueLength: number;
  tokensSinceSummary: number;
  summaries: number;
  /** The start of the current summary, or null before the first. */
  summaryExcerpt: string | null;
  /** ISO time until which a human operator has the chat, or null when the bot answers. */
  pausedUntil: string | null;
  /** User messages stored and answered but not yet in long-term memory and knowledge: learning's backlog. */
  learningBacklog: number;
  /** User messages given up on without a reply (kept for `chatmem retry`), and the latest with its reason. */
  unanswered: number;
  lastUnanswered: UnansweredLine | null;
  /**
   * Messages whose reply is being retried now (the model or WAHA failing), and since when (ISO), else null;
   * `failure`: why the first try failed, when the workflow saw it (the reply step's own retries are not seen).
   */
  waiting: { messages: number; since: string; failure?: string } | null;
  /** Unanswered messages an operator asked to answer again, not yet handled. */
  retrying: number;
}

const EXCERPT_LENGTH = 280;

/**
 * A chat's in-memory state: the inbox of accepted messages in arrival order and the window
 * of recent dedupe keys. Pure and deterministic, so the workflow can own it and carry it.
 */
export class ChatState {
  private readonly inbox: InboundMessage[];
  private readonly recentKeys: string[];
  private readonly keySet: Set<string>;
  private counters: Required<Omit<ChatSnapshot, 'session' | 'chatId' | 'inbox' | 'recentKeys' | 'knowledge' | 'recent' | 'unanswered' | 'retrying'>>;
  private knowledge: Record<string, string[]>;
  private recent: RecentLine[];
  private learningBacklog = 0;
  private lastAcceptedAt: number | null = null;
  private unanswered: UnansweredBatch[];
  private retrying: UnansweredBatch[];
  private waiting: { messages: number; since: number; failure?: string } | null = null;

  constructor(private readonly identity: { session: string; chatId: string }, carried?: ChatSnapshot) {
    this.inbox = [...(carried?.inbox ?? [])];
    this.recentKeys = [...(carried?.recentKeys ?? [])];
    this.keySet = new Set(this.recentKeys);
    this.knowledge = { ...(carried?.knowledge ?? {}) };
    this.recent = [...(carried?.recent ?? [])];
    this.unanswered = [...(carried?.unanswered ?? [])];
    this.retrying = [...(carried?.retrying ?? [])];
    this.counters = {
      messagesSeen: carried?.messagesSeen ?? 0,
      repliesSent: carried?.repliesSent ?? 0,
      replyFailures: carried?.replyFailures ?? 0,
      duplicatesDropped: carried?.duplicatesDropped ?? 0,
      lastInteractionAt: carried?.lastInteractionAt ?? null,
      tokensSinceSummary: carried?.tokensSinceSummary ?? 0,
      summaries: carried?.summaries ?? 0,
      summary: carried?.summary ?? null,
      pausedUntil: carried?.pausedUntil ?? null,
      rejected: carried?.rejected ?? 0,
      lastRejection: carried?.lastRejection ?? null,
      learningFailures: carried?.learningFailures ?? 0,
      lastLearningFailure: carried?.lastLearningFailure ?? null,
    };
  }

  /** Queues a message unless this chat has seen it already; returns whether it was queued. `at`: when (ms). */
  accept(message: InboundMessage, at: number | null = null): boolean {
    if (!this.remember(dedupeKey(message))) {
      this.counters.duplicatesDropped += 1;
      return false;
    }
    this.inbox.push(message);
    this.lastAcceptedAt = at ?? this.lastAcceptedAt;
    return true;
  }

  /** When the latest message was queued (ms), as `accept` was told; null before any. */
  lastAccepted(): number | null {
    return this.lastAcceptedAt;
  }

  hasPending(): boolean {
    return this.inbox.length > 0;
  }

  takeNext(): InboundMessage | undefined {
    return this.inbox.shift();
  }

  /** The oldest queued messages, at most `limit` of them, in arrival order. */
  takeUpTo(limit: number): InboundMessage[] {
    return this.inbox.splice(0, limit);
  }

  /** The oldest queued messages up to and including the first that `stop` picks, at most `limit`. */
  takeThrough(stop: (message: InboundMessage) => boolean, limit: number): InboundMessage[] {
    return this.inbox.splice(0, this.countThrough(stop, limit));
  }

  /** What `takeThrough` would take, left in the queue. */
  peekThrough(stop: (message: InboundMessage) => boolean, limit: number): InboundMessage[] {
    return this.inbox.slice(0, this.countThrough(stop, limit));
  }

  /** Messages taken but not handled go back to the front of the queue, in their order. */
  putBack(messages: InboundMessage[]): void {
    this.inbox.unshift(...messages);
  }

  private countThrough(stop: (message: InboundMessage) => boolean, limit: number): number {
    const index = this.inbox.findIndex(stop);
    return Math.min(limit, index === -1 ? this.inbox.length : index + 1);
  }

  /** How many user messages wait to be learned from; shown, never carried (learning settles before a new run). */
  setLearningBacklog(count: number): void {
    this.learningBacklog = count;
  }

  /** A message that reached storage: it counts as seen, adds its tokens and moves the chat's clock. */
  recordStored(message: InboundMessage, tokens = 0): void {
    this.counters.messagesSeen += 1;
    this.counters.tokensSinceSummary += tokens;
    this.counters.lastInteractionAt = Math.max(this.counters.lastInteractionAt ?? 0, message.timestamp);
    this.addRecent(recentLineOf(message, message.body ?? (message.hasMedia ? '[media]' : '')));
  }

  /**
   * An edit or deletion the transcript now holds: shown among the latest lines, and a summary
   * the deletion took with it is replaced by the one before.
   */
  recordChange(message: InboundMessage & { change: MessageChange }, changed: { summary?: { text: string | null } }): void {
    this.addRecent(recentLineOf(message, message.change.kind === 'edited' ? `[edited] ${message.body ?? ''}` : '[deleted a message]'));
    if (changed.summary) this.counters.summary = changed.summary.text;
  }

  /** Time of the last message, seconds since the epoch, or null before the first. */
  lastInteraction(): number | null {
    return this.counters.lastInteractionAt;
  }

  /** What the last fact extraction left known about a person. */
  recordKnowledge(contactId: string, facts: string[]): void {
    if (facts.length) this.knowledge[contactId] = facts;
    else delete this.knowledge[contactId];
  }

  /** The database refused the message for good: it is counted and shown, and the chat goes on. */
  recordRejected(message: InboundMessage, reason: string): void {
    this.counters.rejected += 1;
    this.counters.lastRejection = { messageId: message.messageId, reason, at: new Date(message.timestamp * 1000).toISOString() };
  }

  /** Long-term memory or fact extraction gave up on a message; operators see it, the chat goes on. */
  recordLearningFailure(failure: LearningFailure): void {
    this.counters.learningFailures += 1;
    this.counters.lastLearningFailure = failure;
  }

  /** Another delivery of the same message (e.g. its `@lid` twin) was stored first. */
  recordDuplicate(): void {
    this.counters.duplicatesDropped += 1;
  }

  /** Remembers our reply's WhatsApp id so WAHA's fromMe echo of it is dropped on arrival. */
  recordReplySent(waId: string, text: string, at: number): void {
    this.counters.repliesSent += 1;
    this.addRecent({ at: new Date(at).toISOString(), from: 'bot', senderName: null, text });
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

  /** A reply is being tried for this many messages, since `since` (ms), after `failure` when one is known; shown until it is sent or given up on. */
  startWaiting(messages: number, since: number, failure?: string): void {
    this.waiting = { messages, since, ...(failure ? { failure } : {}) };
  }

  stopWaiting(): void {
    this.waiting = null;
  }

  /** The reply to these messages was given up on: counted, shown and kept for `chatmem retry`. */
  recordUnanswered(batch: UnansweredBatch): void {
    this.counters.replyFailures += 1;
    this.unanswered.push(batch);
    if (this.unanswered.length > UNANSWERED_KEPT) this.unanswered.shift();
  }

  /** An operator asked to answer the unanswered messages again; returns how many messages that is. */
  retryUnanswered(): number {
    const batches = this.unanswered.splice(0);
    this.retrying.push(...batches);
    return batches.reduce((sum, batch) => sum + batch.messages.length, 0);
  }

  /**
   * What an operator asked to answer again, as one batch: one reply to all of it, as a
   * debounced burst gets, rather than several replies to the same latest transcript. It
   * keeps the latest batch's claim token, so a reply that batch had stored but not sent is
   * the one sent.
   */
  takeRetries(): { messages: InboundMessage[]; claimToken: string } | undefined {
    if (this.retrying.length === 0) return undefined;
    const batches = this.retrying.splice(0);
    return { messages: batches.flatMap((batch) => batch.messages), claimToken: batches.at(-1)!.claimToken };
  }

  hasRetries(): boolean {
    return this.retrying.length > 0;
  }

  /** Tokens of our own reply, which the next summary has to fold in too. */
  addTokens(tokens: number): void {
    this.counters.tokensSinceSummary += tokens;
  }

  tokensSinceSummary(): number {
    return this.counters.tokensSinceSummary;
  }

  recordSummary(summary: string): void {
    this.counters.summaries += 1;
    this.counters.summary = summary;
    this.counters.tokensSinceSummary = 0;
  }

  /** A human typed on the bot's phone: the bot stays quiet in this chat until `until` (ms). */
  pause(until: number): void {
    this.counters.pausedUntil = Math.max(this.counters.pausedUntil ?? 0, until);
  }

  resume(): void {
    this.counters.pausedUntil = null;
  }

  isPaused(now: number): boolean {
    return this.counters.pausedUntil !== null && now < this.counters.pausedUntil;
  }

  /**
   * The whole chat was erased: counters, summary, knowledge and lines start from nothing.
   * Messages still queued arrived after the erase and stay; so do the dedupe keys (bare
   * WhatsApp ids), so a late retry of an erased message is not answered again.
   */
  forgetAll(): void {
    this.counters = { messagesSeen: 0, repliesSent: 0, replyFailures: 0, duplicatesDropped: 0, lastInteractionAt: null, tokensSinceSummary: 0, summaries: 0, summary: null, pausedUntil: this.counters.pausedUntil, rejected: 0, lastRejection: null, learningFailures: 0, lastLearningFailure: null };
    this.knowledge = {};
    this.recent = [];
    this.unanswered = [];
    this.retrying = [];
  }

  /** One person was erased from this chat; the summary goes too when it may speak of them. */
  forgetContact(contactId: string, options: { summaryDropped: boolean }): void {
    delete this.knowledge[contactId];
    this.recent = this.recent.filter((line) => line.from !== contactId);
    // What they wrote must not wait here to be answered either.
    const withoutThem = (batches: UnansweredBatch[]) =>
      batches.map((batch) => ({ ...batch, messages: batch.messages.filter((message) => message.contactId !== contactId) })).filter((batch) => batch.messages.length > 0);
    this.unanswered = withoutThem(this.unanswered);
    this.retrying = withoutThem(this.retrying);
    if (this.counters.lastRejection?.messageId.includes(contactId)) this.counters.lastRejection = null;
    if (this.counters.lastLearningFailure?.messageId.includes(contactId)) this.counters.lastLearningFailure = null;
    if (options.summaryDropped) this.counters.summary = null;
  }

  snapshot(): ChatSnapshot {
    return {
      ...this.identity,
      inbox: [...this.inbox],
      recentKeys: [...this.recentKeys],
      ...this.counters,
      knowledge: { ...this.knowledge },
      recent: [...this.recent],
      unanswered: [...this.unanswered],
      retrying: [...this.retrying],
    };
  }

  memory(): ChatMemoryView {
    return { summary: this.counters.summary, knowledge: { ...this.knowledge }, recent: [...this.recent] };
  }

  view(): ChatStateView {
    const { lastInteractionAt, summary, pausedUntil, ...counts } = this.counters;
    return {
      ...this.identity,
      ...counts,
      lastInteractionAt: lastInteractionAt === null ? null : new Date(lastInteractionAt * 1000).toISOString(),
      queueLength: this.inbox.length,
      summaryExcerpt: summary === null ? null : summary.slice(0, EXCERPT_LENGTH),
      pausedUntil: pausedUntil === null ? null : new Date(pausedUntil).toISOString(),
      learningBacklog: this.learningBacklog,
      unanswered: this.unanswered.reduce((sum, batch) => sum + batch.messages.length, 0),
      lastUnanswered: lastUnansweredLine(this.unanswered.at(-1)),
      waiting: this.waiting && { messages: this.waiting.messages, since: new Date(this.waiting.since).toISOString(), ...(this.waiting.failure ? { failure: this.waiting.failure } : {}) },
      retrying: this.retrying.reduce((sum, batch) => sum + batch.messages.length, 0),
    };
  }

  private addRecent(line: RecentLine): void {
    this.recent.push({ ...line, text: line.text.slice(0, RECENT_TEXT_LENGTH) });
    if (this.recent.length > RECENT_LINES) this.recent.shift();
  }

  private remember(key: string): boolean {
    if (this.keySet.has(key)) return false;
    this.keySet.add(key);
    this.recentKeys.push(key);
    while (this.recentKeys.length > DEDUPE_WINDOW) this.keySet.delete(this.recentKeys.shift()!);
    return true;
  }
}

function recentLineOf(message: InboundMessage, text: string): RecentLine {
  return { at: new Date(message.timestamp * 1000).toISOString(), from: message.fromMe ? 'bot' : message.contactId, senderName: message.senderName, text };
}

function lastUnansweredLine(batch: UnansweredBatch | undefined): UnansweredLine | null {
  return batch ? { messageId: batch.messages.at(-1)!.messageId, reason: batch.reason, at: batch.at } : null;
}
