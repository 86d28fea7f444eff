import { sentMessageIdFrom, type SentMessageId } from '../domain/waha-send-result.js';
import { HttpStatusError } from './http-status-error.js';

export interface SendTextRequest {
  session: string;
  chatId: string;
  text: string;
  replyTo?: string;
}

export interface WahaClient {
  sendText(request: SendTextRequest): Promise<SentMessageId>;
}

/** WAHA's send API (`X-Api-Key` auth), reading the sent id from all three engines' answers. */
export function createWahaClient(options: { baseUrl: string; apiKey: string | null; timeoutMs?: number }): WahaClient {
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(`${options.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new HttpStatusError('WAHA', response.status, `${path}: ${text}`);
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  return {
    async sendText({ session, chatId, text, replyTo }) {
      const answer = await post('/api/sendText', {
        session,
        chatId,
        text,
        ...(replyTo ? { reply_to: replyTo } : {}),
        linkPreview: false,
      });
      const sent = sentMessageIdFrom(answer, chatId);
      if (!sent) throw new Error(`WAHA sendText answered without a message id: ${JSON.stringify(answer).slice(0, 300)}`);
      return sent;
    },
  };
}
