import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { interpretWahaEvent } from '../../src/domain/waha-event.js';
import { wahaMessageEvent } from '../../src/simulator/waha-events.js';

/** The bot's account in messages built here. */
export const TEST_ME = { id: '5521900000001@c.us', pushName: 'Bot' };

/**
 * A message as the webhook hands it on: a WEBJS webhook body read by the same code, for
 * tests that drive the stores without Temporal.
 */
export function inboundMessage(
  chatId: string,
  text: string,
  options: { from?: string; fromMe?: boolean; waId?: string; senderName?: string; timestamp?: number } = {},
): InboundMessage {
  const inGroup = chatId.endsWith('@g.us');
  return messageOf(
    wahaMessageEvent({
      session: 'default',
      me: TEST_ME,
      chatId,
      fromMe: options.fromMe ?? false,
      text,
      senderName: options.senderName ?? 'Someone',
      ...(inGroup ? { participant: options.from } : {}),
      ...(options.waId ? { waId: options.waId } : {}),
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
    }),
  );
}

/** The message a webhook body (a fixture, a variant of one) hands on, read by the webhook's own code. */
export function messageOf(event: unknown): InboundMessage {
  const outcome = interpretWahaEvent(event);
  if (outcome.kind !== 'message') throw new Error(`not a message: ${JSON.stringify(outcome)}`);
  return outcome.message;
}
