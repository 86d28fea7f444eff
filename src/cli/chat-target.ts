import { isContactId, isWellFormedGroupId } from '../domain/whatsapp-ids.js';

/** What an operator names on the command line: a chat, or a person across chats. */
export type ChatTarget = { kind: 'group'; chatId: string } | { kind: 'contact'; chatId: string };

/**
 * `5511988887777`, `+55 11 98888-7777` or `5511988887777@c.us` name a person (their
 * private chat, and their part in groups); `120363…@g.us`, or the same digits alone, a group.
 */
export function parseChatTarget(raw: string): ChatTarget {
  const text = raw.trim();
  if (isWellFormedGroupId(text)) return { kind: 'group', chatId: text };
  if (isContactId(text)) return { kind: 'contact', chatId: text };
  const digits = text.replace(/[\s+().-]/g, '');
  if (/^\d{8,15}$/.test(digits)) return { kind: 'contact', chatId: `${digits}@c.us` };
  // A group id without its suffix, as the simulator's --group takes it (phone numbers are at most 15 digits).
  if (/^\d{16,}$/.test(digits) && isWellFormedGroupId(`${digits}@g.us`)) return { kind: 'group', chatId: `${digits}@g.us` };
  throw new Error(`'${raw}' is not a chat: give a phone number (5511988887777), a contact id (…@c.us, …@lid) or a group id (…@g.us)`);
}
