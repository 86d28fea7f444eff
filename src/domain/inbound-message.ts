import type { MediaRef } from './media.js';

/**
 * One WhatsApp message as chatmem handles it: the seed's "Set Fields" record, the same
 * for all three WAHA engines. Plain data, so it crosses the webhook → workflow boundary
 * as a signal argument and lands in workflow history unchanged.
 */
export interface InboundMessage {
  /** WAHA session name: one WhatsApp account. */
  session: string;
  /** The bot's own id (`…@c.us`) and lid, as WAHA reports them in the envelope. */
  meId: string;
  meLid: string | null;
  /** The chat this message belongs to: `@c.us` for a person whenever the phone form is known. */
  chatId: string;
  /** The chat as WAHA named it in this message; replies go here. */
  replyChatId: string;
  isGroupChat: boolean;
  /** Who wrote it: the bot for fromMe, otherwise the sender. */
  actorId: string;
  /** The person on the other side: the peer in a private chat, the sender in a group. */
  contactId: string;
  fromMe: boolean;
  /** `api` when sent through WAHA's API (our own replies), `app` for anything typed on a phone. */
  source: string;
  /** WAHA's full message id, `{fromMe}_{chat}_{waId}[_{participant}]`. */
  messageId: string;
  /** WhatsApp's own id: the third segment, the same whether the chat is named by `@c.us` or `@lid`. */
  waId: string;
  /** Text or media caption; null when there is none. */
  body: string | null;
  hasMedia: boolean;
  mediaMimetype: string | null;
  /**
   * The media to turn into text before the message is stored (a voice note transcribed, an
   * image described). Absent in messages accepted before media was read, and once `body` holds its text.
   */
  media?: MediaRef;
  /** Message time in seconds since the epoch, as WhatsApp stamped it. */
  timestamp: number;
  /**
   * The same person's other id, when the payload carried both forms: the `…@lid` beside a
   * phone-form `contactId` (or, where no phone form is known, absent). Absent in older messages.
   */
  contactOtherId?: string;
  /** Whose memory the chat is: the person in a private chat, the group in a group (the chat's `sessions.user_id`). */
  ltmId: string;
  senderName: string | null;
  /** True when a group message names the bot by its phone id or its lid. */
  mentionsMe: boolean;
  engine: string;
  /** WAHA's event id (`evt_…`), reused on retries: handy for tracing a delivery. */
  eventId: string | null;
  /**
   * When chatmem's webhook handed it to Temporal, ms since the epoch: REPLY_DEADLINE counts
   * from here (WhatsApp's own stamp can be far older when WAHA delivers late). Absent in
   * messages accepted before the deadline existed.
   */
  receivedAt?: number;
  /**
   * Set when this is no new message but a change to an earlier one of the chat: `body` is the
   * new text of an edit, null for a deletion. Absent in everything accepted before edits were read.
   */
  change?: MessageChange;
}

/** What a `message.edited` or `message.revoked` (deleted for everyone) event does to an earlier message. */
export interface MessageChange {
  kind: 'edited' | 'revoked';
  /** WhatsApp's own id of the message changed (as `waId`); `fromMe` tells whose it is. */
  targetWaId: string;
}

/**
 * Deduplication key: WAHA session + fromMe + WhatsApp id, per the WAHA docs. A change has a
 * key of its own (some engines reuse the changed message's id for it): WAHA's event id, which
 * its retries keep, or else the id and time of the change.
 */
export function dedupeKey(message: Pick<InboundMessage, 'fromMe' | 'waId'> & Partial<Pick<InboundMessage, 'change' | 'eventId' | 'timestamp'>>): string {
  const key = `${message.fromMe ? 'out' : 'in'}:${message.waId}`;
  if (!message.change) return key;
  return `${message.change.kind}:${message.change.targetWaId}:${message.eventId ?? `${key}@${message.timestamp}`}`;
}
