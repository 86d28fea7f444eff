import { userPart } from './whatsapp-ids.js';

/**
 * How a reply reaches the person like a contact's would: a typing time that grows with its
 * length, and a long reply in several messages cut where a reader would pause.
 */

/** Parts one reply is sent as at most; past it the last part carries the rest (a reply's own parts share its claim token). */
export const MAX_REPLY_PARTS = 32;

/** The claim tokens of a reply's parts, in order: the reply's own, then `<token>#1`… */
export function replyPartClaimTokens(claimToken: string): string[] {
  return Array.from({ length: MAX_REPLY_PARTS }, (_, index) => (index === 0 ? claimToken : `${claimToken}#${index}`));
}

export interface PacingSettings {
  /** Typing time per character of the part about to be sent; 0 sends without typing. */
  typingMsPerChar: number;
  typingMaxMs: number;
  /** Longer replies are split into messages of at most this many characters. */
  maxMessageChars: number;
  /** Sends per minute across all chats of one WAHA session; 0 does not pace. */
  sendRatePerMinute: number;
  /** In a group, the reply's first message names the asker (`@<number>`, and WAHA's `mentions`). */
  mentionAsker: boolean;
}

/** The first message of a group reply as a member writes it: the asker named first, so WhatsApp notifies them. */
export function mentioning(askerId: string, text: string): string {
  return `@${userPart(askerId)} ${text}`;
}

/** How long "typing…" shows before a message of this text. */
export function typingMsFor(text: string, settings: Pick<PacingSettings, 'typingMsPerChar' | 'typingMaxMs'>): number {
  if (settings.typingMsPerChar <= 0) return 0;
  return Math.min(settings.typingMaxMs, Math.round([...text].length * settings.typingMsPerChar));
}

/** The shortest time between two sends of one session at this rate (0: no pacing). */
export function sendIntervalMs(sendRatePerMinute: number): number {
  return sendRatePerMinute > 0 ? 60_000 / sendRatePerMinute : 0;
}

/**
 * The reply as the messages it is sent in: whole paragraphs while they fit, then whole
 * sentences, then words; a word longer than a message is cut. A reply that fits is one message.
 */
export function splitReply(text: string, maxChars: number): string[] {
  const whole = text.trim();
  if (whole.length <= maxChars) return [whole];
  const parts: string[] = [];
  let current = '';
  const add = (piece: string, separator: string) => {
    if (!current) current = piece;
    else if (current.length + separator.length + piece.length <= maxChars) current += separator + piece;
    else {
      parts.push(current);
      current = piece;
    }
  };
  for (const paragraph of whole.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) {
    if (paragraph.length <= maxChars) {
      add(paragraph, '\n\n');
      continue;
    }
    // A paragraph too long for one message starts its own; its sentences fill messages in turn.
    if (current) parts.push(current);
    current = '';
    for (const sentence of paragraph.split(/(?<=[.!?…;:])\s+/)) {
      if (sentence.length <= maxChars) {
        add(sentence, ' ');
        continue;
      }
      for (const word of sentence.split(/\s+/)) {
        for (let at = 0; at < word.length; at += maxChars) add(word.slice(at, at + maxChars), ' ');
      }
    }
  }
  if (current) parts.push(current);
  if (parts.length <= MAX_REPLY_PARTS) return parts;
  return [...parts.slice(0, MAX_REPLY_PARTS - 1), parts.slice(MAX_REPLY_PARTS - 1).join('\n\n')];
}
