import { z } from 'zod';
import type { InboundMessage } from './inbound-message.js';
import { isGroupId, parseMessageId, phoneJidToChatId, unsupportedChatReason, userPart } from './whatsapp-ids.js';

/**
 * Turns a WAHA webhook body into one of three outcomes. Pure: the webhook maps them to
 * HTTP answers (400 / 2xx with a reason / signal the chat's workflow).
 */
export type WahaEventOutcome =
  | { kind: 'invalid'; reason: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'message'; message: InboundMessage };

const MESSAGE_EVENTS = new Set(['message', 'message.any']);

const envelopeSchema = z.looseObject({
  id: z.string().optional(),
  event: z.string().min(1),
  session: z.string().min(1),
  me: z.looseObject({ id: z.string(), pushName: z.string().nullish(), lid: z.string().nullish() }).nullish(),
  payload: z.unknown(),
  engine: z.string().optional(),
  environment: z.looseObject({ engine: z.string().optional() }).nullish(),
});

const messagePayloadSchema = z.looseObject({
  id: z.string().min(1),
  timestamp: z.number().nonnegative(),
  from: z.string().min(1),
  fromMe: z.boolean(),
  source: z.string().nullish(),
  body: z.string().nullish(),
  participant: z.string().nullish(),
  hasMedia: z.boolean().nullish(),
  media: z.looseObject({ mimetype: z.string().nullish() }).nullish(),
  _data: z.unknown(),
});

type Envelope = z.infer<typeof envelopeSchema>;
type MessagePayload = z.infer<typeof messagePayloadSchema>;

export function interpretWahaEvent(body: unknown): WahaEventOutcome {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', reason: `not a WAHA event: ${describeIssues(envelope.error)}` };
  const event = envelope.data;
  if (!MESSAGE_EVENTS.has(event.event)) {
    return { kind: 'ignored', reason: `event '${event.event}' is not a new message` };
  }
  const payload = messagePayloadSchema.safeParse(event.payload);
  if (!payload.success) {
    return { kind: 'invalid', reason: `not a WAHA message payload: ${describeIssues(payload.error, 'payload')}` };
  }
  const id = parseMessageId(payload.data.id);
  if (!id) return { kind: 'invalid', reason: `payload.id '${payload.data.id}' is not a WAHA message id` };
  const unsupported = unsupportedChatReason(id.chatId);
  if (unsupported) return { kind: 'ignored', reason: unsupported };
  return { kind: 'message', message: normalizeMessage(event, payload.data, id) };
}

function normalizeMessage(
  event: Envelope,
  payload: MessagePayload,
  id: NonNullable<ReturnType<typeof parseMessageId>>,
): InboundMessage {
  const raw = payload._data;
  const engine = (event.engine ?? event.environment?.engine ?? 'UNKNOWN').toUpperCase();
  const meId = event.me?.id ?? '';
  const meLid = event.me?.lid ?? null;
  const replyChatId = id.chatId;
  const isGroupChat = isGroupId(replyChatId);
  const chatId = isGroupChat ? replyChatId : canonicalPrivateChat(replyChatId, payload.fromMe, raw);
  const sender = isGroupChat ? canonicalParticipant(payload.participant ?? id.participant, raw) : chatId;
  const contactId = sender ?? chatId;
  const body = payload.body ? payload.body : null;
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
    timestamp: Math.floor(payload.timestamp),
    ltmId: isGroupChat ? chatId : contactId,
    senderName: payload.fromMe ? (event.me?.pushName ?? null) : senderName(engine, raw),
    mentionsMe: mentionsBot(body, raw, [meId, meLid]),
    engine,
    eventId: event.id ?? null,
  };
}

/**
 * A person may reach us as `…@lid`; where the engine tells the phone form we use it, so
 * one person is one chat (and one workflow) whichever form a message arrives in.
 */
function canonicalPrivateChat(chatId: string, fromMe: boolean, raw: unknown): string {
  if (!chatId.endsWith('@lid')) return chatId;
  const alternatives = [
    dig(raw, 'key', 'remoteJidAlt'), // NOWEB
    dig(raw, 'Info', fromMe ? 'RecipientAlt' : 'SenderAlt'), // GOWS
  ];
  for (const alt of alternatives) {
    const phone = phoneJidToChatId(alt);
    if (phone) return phone;
  }
  return chatId;
}

function canonicalParticipant(participant: string | null | undefined, raw: unknown): string | null {
  if (!participant) return null;
  if (!participant.endsWith('@lid')) return phoneJidToChatId(participant) ?? participant;
  const alternatives = [dig(raw, 'key', 'participantAlt'), dig(raw, 'Info', 'SenderAlt')];
  for (const alt of alternatives) {
    const phone = phoneJidToChatId(alt);
    if (phone) return phone;
  }
  return participant;
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
    if (typeof name === 'string' && name.trim()) return name.trim();
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
