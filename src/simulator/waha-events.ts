import { randomBytes } from 'node:crypto';

/** The bot's own WhatsApp account as the simulated WAHA session reports it. */
export interface SimulatedMe {
  id: string;
  pushName: string;
}

export interface SimulatedMessage {
  session: string;
  me: SimulatedMe;
  /** The chat: the person's `<phone>@c.us`, or a group's `<id>@g.us`. */
  chatId: string;
  fromMe: boolean;
  /** In a group, who wrote it (`<phone>@c.us`). */
  participant?: string;
  senderName?: string;
  text: string;
  /** Bot ids the message mentions (WEBJS `mentionedJidList`). */
  mentions?: string[];
  waId?: string;
  /** When it was written, seconds since the epoch (default: now), as an imported history has. */
  timestamp?: number;
}

/** A new WhatsApp message id in WEBJS's style. */
export function newWaId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

/**
 * A `message` (or, for the bot's own, `message.any`) webhook body shaped as WAHA's WEBJS
 * engine posts it: what the simulator and its local WAHA send to chatmem.
 */
export function wahaMessageEvent(message: SimulatedMessage) {
  const waId = message.waId ?? newWaId();
  const id = [String(message.fromMe), message.chatId, waId, ...(message.participant ? [message.participant] : [])].join('_');
  const now = Date.now();
  return {
    id: `evt_${randomBytes(13).toString('hex')}`,
    timestamp: now,
    event: message.fromMe ? 'message.any' : 'message',
    session: message.session,
    me: message.me,
    payload: {
      id,
      timestamp: message.timestamp ?? Math.floor(now / 1000),
      from: message.fromMe ? message.me.id : message.chatId,
      to: message.fromMe ? message.chatId : message.me.id,
      ...(message.participant ? { participant: message.participant } : {}),
      fromMe: message.fromMe,
      source: message.fromMe ? 'api' : 'app',
      body: message.text,
      hasMedia: false,
      media: null,
      ack: 1,
      ackName: 'SERVER',
      _data: {
        notifyName: message.fromMe ? message.me.pushName : (message.senderName ?? ''),
        body: message.text,
        mentionedJidList: message.mentions ?? [],
      },
    },
    engine: 'WEBJS',
    environment: { engine: 'WEBJS', tier: 'CORE' },
  };
}
