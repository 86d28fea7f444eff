import { randomBytes } from 'node:crypto';

export type WahaEngine = 'GOWS' | 'WEBJS' | 'NOWEB';

/** The bot's own WhatsApp account as a WAHA session reports it. */
export interface WahaMe {
  id: string;
  pushName: string;
  lid?: string;
}

export interface SimulatedMessage {
  session: string;
  me: WahaMe;
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

/** What every text message WAHA shows has, once the server took it: no media, ack 1. */
export const TEXT_DELIVERED = { hasMedia: false, media: null, ack: 1, ackName: 'SERVER' } as const;

/** A new WhatsApp message id in WEBJS's style. */
export function newWaId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

/**
 * A `message` (or, for the bot's own, `message.any`) webhook body shaped as WAHA's WEBJS
 * engine posts it: what the simulator and its fake WAHA (waha-standin.ts) send to chatmem.
 */
export function wahaMessageEvent(message: SimulatedMessage) {
  const waId = message.waId ?? newWaId();
  const id = [String(message.fromMe), message.chatId, waId, ...(message.participant ? [message.participant] : [])].join('_');
  return wahaEvent({
    event: message.fromMe ? 'message.any' : 'message',
    session: message.session,
    me: message.me,
    engine: 'WEBJS',
    payload: {
      id,
      timestamp: message.timestamp ?? Math.floor(Date.now() / 1000),
      from: message.fromMe ? message.me.id : message.chatId,
      to: message.fromMe ? message.chatId : message.me.id,
      ...(message.participant ? { participant: message.participant } : {}),
      fromMe: message.fromMe,
      source: message.fromMe ? 'api' : 'app',
      body: message.text,
      ...TEXT_DELIVERED,
      _data: {
        notifyName: message.fromMe ? message.me.pushName : (message.senderName ?? ''),
        body: message.text,
        mentionedJidList: message.mentions ?? [],
      },
    },
  });
}

/** A webhook body around `payload`, with the envelope (event id, time, environment) WAHA puts around every event. */
export function wahaEvent<P>(event: { event: string; session: string; me: WahaMe; engine: WahaEngine; payload: P }) {
  return {
    id: `evt_${randomBytes(13).toString('hex')}`,
    timestamp: Date.now(),
    event: event.event,
    session: event.session,
    me: event.me,
    payload: event.payload,
    environment: { version: '2026.7.1', engine: event.engine, tier: 'CORE', browser: null, platform: 'linux/x64', worker: { id: null } },
    engine: event.engine,
  };
}
