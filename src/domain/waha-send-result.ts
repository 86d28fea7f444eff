import { parseMessageId, phoneJidToChatId } from './whatsapp-ids.js';

export interface SentMessageId {
  /** WAHA's full id of the sent message, e.g. `true_5511…@c.us_3EB0…`. */
  messageId: string;
  /** WhatsApp's id (third segment): what the fromMe echo carries. */
  waId: string;
}

/**
 * Reads the id of a sent message from a `POST /api/sendText` answer, which each engine
 * shapes differently: GOWS `id` (string), WEBJS `id._serialized`, NOWEB `key`.
 */
export function sentMessageIdFrom(response: unknown, chatId: string): SentMessageId | null {
  if (!response || typeof response !== 'object') return null;
  const body = response as Record<string, any>;
  const candidates: unknown[] = [body.id, body.id?._serialized];
  for (const candidate of candidates) {
    if (typeof candidate === 'string') {
      const parsed = parseMessageId(candidate);
      if (parsed) return { messageId: candidate, waId: parsed.waId };
    }
  }
  const key = body.key;
  if (key && typeof key.id === 'string' && key.id) {
    const chat = phoneJidToChatId(key.remoteJid) ?? (typeof key.remoteJid === 'string' ? key.remoteJid : chatId);
    return { messageId: `true_${chat}_${key.id}`, waId: key.id };
  }
  return null;
}
