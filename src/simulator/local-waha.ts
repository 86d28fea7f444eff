import { sendJson, serve } from '../offline/local-http.js';
import { newWaId, wahaMessageEvent, type SimulatedMe } from './waha-events.js';
import { postWebhook } from './webhook-poster.js';

export interface SentText {
  session: string;
  chatId: string;
  text: string;
}

/**
 * Just enough of WAHA for the simulator: sendText hands the bot's reply to `onSent`,
 * answers with a WEBJS message id, and posts the reply's fromMe echo back to chatmem, as a
 * real WAHA does (chatmem must store it once and never answer it).
 */
export async function startLocalWaha(options: {
  port: number;
  me: SimulatedMe;
  apiKey: string | null;
  webhookUrl: string;
  hmacKey: string | null;
  onSent: (sent: SentText) => void;
}): Promise<{ url: string; close(): Promise<void> }> {
  return serve(async (request, raw, response) => {
    if (options.apiKey && request.headers['x-api-key'] !== options.apiKey) return sendJson(response, 401, { message: 'Unauthorized' });
    const path = request.url ?? '';
    if (path === '/api/sendSeen' || path === '/api/startTyping' || path === '/api/stopTyping') return sendJson(response, 201, { result: true });
    if (path !== '/api/sendText') return sendJson(response, 404, { message: `the simulator's WAHA has no ${path}` });
    const body = JSON.parse(raw || '{}') as SentText;
    const waId = newWaId();
    sendJson(response, 201, { id: { fromMe: true, remote: body.chatId, id: waId, _serialized: `true_${body.chatId}_${waId}` }, body: body.text, fromMe: true });
    options.onSent(body);
    const echo = wahaMessageEvent({ session: body.session, me: options.me, chatId: body.chatId, fromMe: true, text: body.text, waId });
    await postWebhook(options.webhookUrl, echo, options.hmacKey).catch(() => undefined);
  }, options.port);
}
