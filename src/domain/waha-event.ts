import { z } from 'zod';
import type { InboundMessage, MessageChange } from './inbound-message.js';
import { mediaKindOf, type MediaRef } from './media.js';
import { captionBeside, sharedContentText } from './shared-content.js';
import { limitText, safeText, truncateMessageText, WHATSAPP_MAX_TEXT_CHARS } from './safe-text.js';
import { isGroupId, parseMessageId, phoneJidToChatId, unsupportedChatReason, userPart } from './whatsapp-ids.js';

/**
 * Turns a WAHA webhook body into one of three outcomes. Pure: the webhook maps them to
 * HTTP answers (400 / 2xx with a reason / signal the chat's workflow).
 */
export type WahaEventOutcome =
  | { kind: 'invalid'; reason: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'message'; message: InboundMessage };

export interface WahaEventLimits {
  /** Longer message text is kept up to here, with a marker (MAX_MESSAGE_CHARS_STORED). */
  maxMessageChars: number;
}

/**
 * Longest ids chatmem takes, in UTF-16 units. Real ones are far shorter (a phone or lid id
 * is under 40, a message id under 200); the caps keep `chat:<session>:<chat>` well inside
 * Temporal's 1,000-byte workflow id and every id inside a btree index row.
 */
export const ID_LIMITS = { session: 128, chat: 128, message: 512 } as const;
/** Names, mimetypes and the like are cut rather than refused: they are not worth a lost message. */
const LABEL_CHARS = 256;
/** Seconds since the epoch up to the year 5000: past that it is not a WhatsApp timestamp. */
const LATEST_TIMESTAMP = 95_617_584_000;

const MESSAGE_EVENTS = new Set(['message', 'message.any']);
const CHANGE_EVENTS: Record<string, MessageChange['kind']> = { 'message.edited': 'edited', 'message.revoked': 'revoked' };

const idString = (max: number, what: string) => z.string().min(1).max(max, `longer than ${max} characters, which no ${what} is`).transform(safeText).pipe(z.string().min(1, 'empty once NUL characters are removed'));
const label = z.string().transform((text) => limitText(text, LABEL_CHARS));

const envelopeSchema = z.looseObject({
  id: label.optional(),
  event: label.pipe(z.string().min(1)),
  session: idString(ID_LIMITS.session, 'WAHA session name'),
  me: z.looseObject({ id: idString(ID_LIMITS.chat, 'WhatsApp id'), pushName: label.nullish(), lid: idString(ID_LIMITS.chat, 'WhatsApp lid').nullish() }).nullish(),
  payload: z.unknown(),
  engine: label.optional(),
  environment: z.looseObject({ engine: label.optional() }).nullish(),
});

const messagePayloadSchema = z.looseObject({
  id: idString(ID_LIMITS.message, 'WAHA message id'),
  timestamp: z.number().nonnegative().max(LATEST_TIMESTAMP, 'not a WhatsApp timestamp (seconds since 1970)'),
  from: idString(ID_LIMITS.chat, 'WhatsApp chat id'),
  fromMe: z.boolean(),
  source: label.nullish(),
  // Cut to the configured length before anything else looks at it.
  body: z.string().nullish(),
  participant: idString(ID_LIMITS.chat, 'WhatsApp participant id').nullish(),
  hasMedia: z.boolean().nullish(),
  media: z.looseObject({ mimetype: label.nullish(), url: z.string().max(4096).nullish(), filename: label.nullish() }).nullish(),
  _data: z.unknown().optional(),
});

/** `message.edited`: the message payload with the new text, and the id of the message edited. */
const editedPayloadSchema = z.looseObject({ editedMessageId: idString(ID_LIMITS.message, 'WhatsApp message id') });
/** `message.revoked`: the message as it is after (and, on some engines, before) deletion, and the id deleted. */
const revokedPayloadSchema = z.looseObject({ revokedMessageId: idString(ID_LIMITS.message, 'WhatsApp message id'), after: z.unknown(), before: z.unknown() });

type Envelope = z.infer<typeof envelopeSchema>;
type MessagePayload = z.infer<typeof messagePayloadSchema>;

export function interpretWahaEvent(body: unknown, limits: WahaEventLimits = { maxMessageChars: WHATSAPP_MAX_TEXT_CHARS }): WahaEventOutcome {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', reason: `not a WAHA event: ${describeIssues(envelope.error)}` };
  const event = envelope.data;
  const changeKind = CHANGE_EVENTS[event.event];
  if (changeKind) return interpretChange(event, changeKind, limits);
  if (!MESSAGE_EVENTS.has(event.event)) {
    return { kind: 'ignored', reason: `event '${event.event}' is not a new message` };
  }
  return interpretMessage(event, event.payload, 'payload', limits);
}

function interpretMessage(event: Envelope, rawPayload: unknown, where: string, limits: WahaEventLimits): WahaEventOutcome {
  const payload = messagePayloadSchema.safeParse(rawPayload);
  if (!payload.success) {
    return { kind: 'invalid', reason: `not a WAHA message payload: ${describeIssues(payload.error, where)}` };
  }
  const messageId = parseMessageId(payload.data.id);
  if (!messageId) return { kind: 'invalid', reason: `payload.id '${payload.data.id}' is not a WAHA message id` };
  const tooLong = [messageId.chatId, messageId.participant].find((part) => part && part.length > ID_LIMITS.chat);
  if (tooLong) return { kind: 'invalid', reason: `payload.id: a chat or participant part of ${tooLong.length} characters, longer than any WhatsApp id` };
  const unsupported = unsupportedChatReason(messageId.chatId);
  if (unsupported) return { kind: 'ignored', reason: unsupported };
  return { kind: 'message', message: normalizeMessage(event, payload.data, messageId, limits) };
}

/**
 * An edit or a deletion becomes a message of its chat that carries the change, so it is
 * handled in order with the chat's messages. It names the changed message by WhatsApp's bare
 * id (some engines send WAHA's full id instead).
 */
function interpretChange(event: Envelope, kind: MessageChange['kind'], limits: WahaEventLimits): WahaEventOutcome {
  let target: string;
  let outcome: WahaEventOutcome;
  if (kind === 'edited') {
    const payload = editedPayloadSchema.safeParse(event.payload);
    if (!payload.success) return { kind: 'invalid', reason: `not a WAHA message.edited payload: ${describeIssues(payload.error, 'payload')}` };
    target = payload.data.editedMessageId;
    outcome = interpretMessage(event, event.payload, 'payload', limits);
  } else {
    const payload = revokedPayloadSchema.safeParse(event.payload);
    if (!payload.success) return { kind: 'invalid', reason: `not a WAHA message.revoked payload: ${describeIssues(payload.error, 'payload')}` };
    target = payload.data.revokedMessageId;
    const which = payload.data.after ? 'after' : 'before';
    outcome = interpretMessage(event, payload.data[which], `payload.${which}`, limits);
  }
  if (outcome.kind !== 'message') return outcome;
  const { media: _media, ...message } = outcome.message;
  const targetWaId = parseMessageId(target)?.waId ?? target;
  return {
    kind: 'message',
    message: { ...message, body: kind === 'edited' ? message.body : null, hasMedia: false, mediaMimetype: null, mentionsMe: false, change: { kind, targetWaId } },
  };
}

function normalizeMessage(
  event: Envelope,
  payload: MessagePayload,
  id: NonNullable<ReturnType<typeof parseMessageId>>,
  limits: WahaEventLimits,
): InboundMessage {
  const raw = payload._data;
  const engine = (event.engine ?? event.environment?.engine ?? 'UNKNOWN').toUpperCase();
  const meId = event.me?.id ?? '';
  const meLid = event.me?.lid ?? null;
  const replyChatId = id.chatId;
  const isGroupChat = isGroupId(replyChatId);
  const person = isGroupChat ? participantIds(payload.participant ?? id.participant, raw) : privateChatIds(replyChatId, payload.fromMe, raw);
  const chatId = isGroupChat ? replyChatId : person!.id;
  const contactId = person?.id ?? chatId;
  // A location, contact or poll is stored as a line that says what it shares, with any caption.
  const shared = sharedContentText(payload, raw);
  const text = shared ? [shared, captionBeside(shared, payload.body ?? null)].filter(Boolean).join(' ') : payload.body;
  const body = text ? truncateMessageText(text, limits.maxMessageChars) || null : null;
  return {
    session: event.session,
    meId,
    meLid,
    chatId,
    replyChatId,
    isGroupChat,
    actorId: payload.fromMe ? meId : contactId,
    contactId,
    fromMe: payload.fromMe,
    source: payload.source ?? 'app',
    messageId: payload.id,
    waId: id.waId,
    body,
    hasMedia: payload.hasMedia === true,
    mediaMimetype: payload.media?.mimetype ?? null,
    ...(payload.hasMedia === true ? { media: mediaRef(payload, raw) } : {}),
    timestamp: Math.floor(payload.timestamp),
    ltmId: isGroupChat ? chatId : contactId,
    senderName: payload.fromMe ? (event.me?.pushName ?? null) : senderName(engine, raw),
    mentionsMe: mentionsBot(body, raw, [meId, meLid]),
    engine,
    eventId: event.id ?? null,
    ...(person?.otherId ? { contactOtherId: person.otherId } : {}),
  };
}

/** The message's media as WAHA announced it; the engine's own type tells a voice note from shared audio. */
function mediaRef(payload: MessagePayload, raw: unknown): MediaRef {
  const mimetype = payload.media?.mimetype ?? null;
  const engineType = dig(raw, 'type'); // WEBJS: ptt, audio, image, sticker, document…
  const voiceFlag = dig(raw, 'message', 'audioMessage', 'ptt') ?? dig(raw, 'Message', 'audioMessage', 'PTT'); // NOWEB, GOWS
  const kind = voiceFlag === true ? 'voice' : mediaKindOf(mimetype, typeof engineType === 'string' ? engineType : null);
  const url = payload.media?.url ? safeText(payload.media.url) : null;
  return { kind, url: url && /^https?:\/\//.test(url) ? url : null, mimetype, filename: payload.media?.filename ?? null };
}

/** A person's id as chatmem keeps it (the phone form whenever known) and, when the payload carried both, the other form. */
interface PersonIds {
  id: string;
  otherId: string | null;
}

/**
 * A person may reach us as `…@lid`; where the engine tells the phone form we use it, so
 * one person is one chat (and one workflow) whichever form a message arrives in.
 */
function privateChatIds(chatId: string, fromMe: boolean, raw: unknown): PersonIds {
  const alternatives = [
    rawId(raw, 'key', 'remoteJidAlt'), // NOWEB
    rawId(raw, 'Info', fromMe ? 'RecipientAlt' : 'SenderAlt'), // GOWS
  ];
  return pairOf(chatId, alternatives);
}

function participantIds(participant: string | null | undefined, raw: unknown): PersonIds | null {
  if (!participant) return null;
  return pairOf(phoneJidToChatId(participant) ?? participant, [rawId(raw, 'key', 'participantAlt'), rawId(raw, 'Info', 'SenderAlt')]);
}

/** The phone form of a person first, the lid beside it, from their id and the engine's alternatives. */
function pairOf(id: string, alternatives: (string | null)[]): PersonIds {
  if (id.endsWith('@lid')) {
    const phone = alternatives.map(phoneJidToChatId).find(Boolean);
    return phone ? { id: phone, otherId: id } : { id, otherId: null };
  }
  const lid = alternatives.find((alt) => alt && /^[^@:\s]+@lid$/.test(alt));
  return { id, otherId: id.endsWith('@c.us') && lid ? lid : null };
}

const SENDER_NAME_PATHS: Record<string, string[]> = {
  WEBJS: ['notifyName'],
  NOWEB: ['pushName'],
  GOWS: ['Info', 'PushName'],
};

function senderName(engine: string, raw: unknown): string | null {
  const ordered = [SENDER_NAME_PATHS[engine], ...Object.values(SENDER_NAME_PATHS)];
  for (const path of ordered) {
    if (!path) continue;
    const name = dig(raw, ...path);
    if (typeof name === 'string' && name.trim()) return limitText(name.trim(), LABEL_CHARS);
  }
  return null;
}

const MENTION_LIST_PATHS = [
  ['Message', 'extendedTextMessage', 'contextInfo', 'mentionedJID'], // GOWS
  ['message', 'extendedTextMessage', 'contextInfo', 'mentionedJid'], // NOWEB
  ['mentionedJidList'], // WEBJS
];

function mentionsBot(body: string | null, raw: unknown, botIds: (string | null)[]): boolean {
  const botNumbers = new Set(botIds.filter((id): id is string => !!id).map(userPart).filter(Boolean));
  if (botNumbers.size === 0) return false;
  for (const path of MENTION_LIST_PATHS) {
    const list = dig(raw, ...path);
    if (Array.isArray(list) && list.some((jid) => typeof jid === 'string' && botNumbers.has(userPart(jid)))) {
      return true;
    }
  }
  if (!body) return false;
  for (const match of body.matchAll(/@(\d{5,})/g)) {
    if (match[1] && botNumbers.has(match[1])) return true;
  }
  return false;
}

/** A string the engine's raw data holds at `path`, made safe; null when absent or longer than an id. */
function rawId(raw: unknown, ...path: string[]): string | null {
  const value = dig(raw, ...path);
  return typeof value === 'string' && value.length <= ID_LIMITS.chat ? safeText(value) : null;
}

function dig(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function describeIssues(error: z.ZodError, prefix?: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
