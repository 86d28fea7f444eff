/** Pure helpers for WhatsApp/WAHA identifiers (`…@c.us`, `…@lid`, `…@s.whatsapp.net`, `…@g.us`). */

/** A group's id as WhatsApp writes it: digits (older groups: `<creator>-<time>`) and `@g.us`. */
export function isWellFormedGroupId(id: string): boolean {
  return /^[\d-]+@g\.us$/.test(id);
}

/** A person's id: `<phone>@c.us` or `<lid>@lid`. */
export function isContactId(id: string): boolean {
  return /^[^@\s]+@(c\.us|lid)$/.test(id);
}

export function isGroupId(id: string): boolean {
  return id.endsWith('@g.us');
}

/** Status posts, channels and broadcast lists are not conversations the bot takes part in. */
export function unsupportedChatReason(chatId: string): string | null {
  if (chatId === 'status@broadcast') return 'status broadcast posts are not conversations';
  if (chatId.endsWith('@newsletter')) return 'channel (newsletter) posts are not conversations';
  if (chatId.endsWith('@broadcast')) return 'broadcast lists are not conversations';
  return null;
}

/** The number (or lid number) before `@` and before any `:device` suffix. */
export function userPart(jid: string): string {
  const at = jid.indexOf('@');
  const user = at === -1 ? jid : jid.slice(0, at);
  const colon = user.indexOf(':');
  return colon === -1 ? user : user.slice(0, colon);
}

/** `5511…@s.whatsapp.net` (raw engine form) → `5511…@c.us` (WAHA form); null for anything else. */
export function phoneJidToChatId(jid: unknown): string | null {
  if (typeof jid !== 'string') return null;
  if (jid.endsWith('@s.whatsapp.net') || jid.endsWith('@c.us')) {
    const user = userPart(jid);
    return user ? `${user}@c.us` : null;
  }
  return null;
}

export interface ParsedMessageId {
  fromMe: boolean;
  chatId: string;
  waId: string;
  participant: string | null;
}

/** Splits WAHA's `{fromMe}_{chatId}_{waId}[_{participant}]`; null when the id has another shape. */
export function parseMessageId(id: string): ParsedMessageId | null {
  const parts = id.split('_');
  if (parts.length < 3) return null;
  const [flag, chatId, waId, ...rest] = parts;
  if ((flag !== 'true' && flag !== 'false') || !chatId || !waId || !chatId.includes('@')) return null;
  return { fromMe: flag === 'true', chatId, waId, participant: rest.length ? rest.join('_') : null };
}
