/**
 * Text as every store downstream accepts it. PostgreSQL refuses NUL in text, and a lone
 * UTF-16 surrogate is not valid UTF-8 for Temporal's gRPC strings or for jsonb: either one in
 * a webhook would otherwise fail the same way on every retry.
 */
export function safeText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

/** At most `max` UTF-16 units of safe text, never ending in half a surrogate pair. */
export function limitText(text: string, max: number): string {
  return safeText(text.length > max ? text.slice(0, endOfWholeCharacters(text, max)) : text);
}

/** WhatsApp itself refuses text messages longer than this, so no real message is cut at the default. */
export const WHATSAPP_MAX_TEXT_CHARS = 65_536;

/**
 * The first `max` characters of a long message and a marker that says how much was left out:
 * a message is never refused for its length, and no step after the door pays for a huge one.
 */
export function truncateMessageText(text: string, max: number): string {
  if (text.length <= max) return safeText(text);
  const kept = endOfWholeCharacters(text, max);
  return `${safeText(text.slice(0, kept))} [… ${(text.length - kept).toLocaleString('en-US')} more characters not kept]`;
}

function endOfWholeCharacters(text: string, max: number): number {
  const last = text.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
}
