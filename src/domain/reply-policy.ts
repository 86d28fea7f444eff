import type { InboundMessage } from './inbound-message.js';

export const GROUP_REPLY_MODES = ['mention', 'always', 'never'] as const;
export type GroupReplyMode = (typeof GROUP_REPLY_MODES)[number];

/** Operator settings that decide whether a stored message gets an answer. */
export interface ReplySettings {
  groupReply: GroupReplyMode;
}

export type ReplyDecision = { answer: true } | { answer: false; reason: string };

/**
 * The storage policy's last step: every message is stored first; only a user's message is
 * ever answered, never the bot's own (that is what keeps the echo from looping).
 */
export function decideReply(message: InboundMessage, settings: ReplySettings): ReplyDecision {
  // An edit or deletion changes what the bot knows; like a person, it does not answer one.
  if (message.change) return { answer: false, reason: `a ${message.change.kind === 'edited' ? 'change to' : 'deletion of'} an earlier message` };
  if (message.fromMe) {
    return { answer: false, reason: message.source === 'api' ? 'echo of a message sent through WAHA' : 'typed on the bot phone' };
  }
  if (!message.body && !message.hasMedia) return { answer: false, reason: 'nothing to answer' };
  if (!message.isGroupChat) return { answer: true };
  switch (settings.groupReply) {
    case 'always':
      return { answer: true };
    case 'never':
      return { answer: false, reason: 'GROUP_REPLY=never' };
    case 'mention':
      return message.mentionsMe ? { answer: true } : { answer: false, reason: 'group message without a mention of the bot' };
  }
}

/**
 * A fromMe message that did not come through WAHA's API was typed by a person on the bot's
 * phone: an operator is talking, so the bot steps aside. (Our own replies come back as
 * `source: api` and are dropped as echoes before this is asked.)
 */
export function isHumanTakeover(message: InboundMessage): boolean {
  return message.fromMe && message.source !== 'api' && !message.change;
}
