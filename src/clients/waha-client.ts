import { sentMessageIdFrom, type SentMessageId } from '../domain/waha-send-result.js';
import { httpRequest } from './http-request.js';
import { HttpStatusError, retryAfterMs } from './http-status-error.js';

export interface SendTextRequest {
  session: string;
  chatId: string;
  text: string;
  replyTo?: string;
  /** Ids the text names as `@<number>` (WAHA's `mentions`). */
  mentions?: string[];
}

export interface SentTextQuery {
  session: string;
  chatId: string;
  text: string;
  /** Milliseconds since the epoch: only messages sent at or after this are looked at. */
  sinceMs: number;
}

export interface WahaClient {
  sendText(request: SendTextRequest): Promise<SentMessageId>;
  /**
   * The bot's messages in a chat with exactly this text since `sinceMs`, newest first, from
   * WAHA's chat messages API; null when this WAHA cannot list the chat's messages (e.g. a
   * NOWEB session without its store), so whether a message went out cannot be checked.
   */
  findSentText(query: SentTextQuery): Promise<SentMessageId[] | null>;
  /**
   * A file WAHA downloaded for a message (`media.url`), with the API key. The URL's path is
   * fetched from WAHA_URL, whatever host WAHA put in it (WAHA names itself as it is
   * configured, often `localhost`), so the key never goes to another host. Refused past `maxBytes`.
   */
  downloadMedia(url: string, maxBytes: number): Promise<{ bytes: Buffer; mimetype: string | null }>;
  /** Blue ticks for these messages (in a group, of one participant's messages). */
  sendSeen(request: SeenRequest): Promise<void>;
  /** "typing…" in the chat, on or off. */
  setTyping(request: { session: string; chatId: string }, typing: boolean): Promise<void>;
}

export interface SeenRequest {
  session: string;
  chatId: string;
  messageIds: string[];
  /** Whose messages they are, which WAHA needs in a group. */
  participant?: string;
}

/** Presence calls are a courtesy: they wait this long at most, so a slow WAHA never holds a reply. */
const PRESENCE_TIMEOUT_MS = 5_000;

/** Messages looked at when checking whether a send went out: the bot's own, in one chat, since the send began. */
const SENT_LOOKUP_LIMIT = 50;
/** WAHA stamps messages with its own clock (seconds); this covers a skew between the two hosts. */
const CLOCK_SKEW_SECONDS = 120;
/** Answers that say this WAHA has no message list for the chat, which asking again will not change. */
const NO_MESSAGE_LIST = new Set([400, 404, 405, 501]);

/** WAHA's send API (`X-Api-Key` auth), reading the sent id from all three engines' answers. */
export function createWahaClient(options: { baseUrl: string; apiKey: string | null; timeoutMs?: number }): WahaClient {
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>, callTimeoutMs = timeoutMs): Promise<unknown> {
    const { status, header, text } = await httpRequest(`${options.baseUrl}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        accept: 'application/json',
        ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(callTimeoutMs),
    });
    if (status < 200 || status > 299) throw new HttpStatusError('WAHA', status, `${path.split('?')[0]}: ${text}`, retryAfterMs(header('retry-after')));
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  return {
    async sendText({ session, chatId, text, replyTo, mentions }) {
      const answer = await call('POST', '/api/sendText', {
        session,
        chatId,
        text,
        ...(replyTo ? { reply_to: replyTo } : {}),
        ...(mentions?.length ? { mentions } : {}),
        linkPreview: false,
      });
      const sent = sentMessageIdFrom(answer, chatId);
      if (!sent) throw new Error(`WAHA sendText answered without a message id: ${JSON.stringify(answer).slice(0, 300)}`);
      return sent;
    },

    async sendSeen({ session, chatId, messageIds, participant }) {
      await call('POST', '/api/sendSeen', { session, chatId, messageIds, ...(participant ? { participant } : {}) }, PRESENCE_TIMEOUT_MS);
    },

    async setTyping({ session, chatId }, typing) {
      await call('POST', typing ? '/api/startTyping' : '/api/stopTyping', { session, chatId }, PRESENCE_TIMEOUT_MS);
    },

    async downloadMedia(url, maxBytes) {
      const where = new URL(url);
      const path = `${where.pathname}${where.search}`;
      const response = await fetch(`${options.baseUrl}${path}`, {
        headers: options.apiKey ? { 'x-api-key': options.apiKey } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new HttpStatusError('WAHA', response.status, `${where.pathname}: ${(await response.text()).slice(0, 300)}`, retryAfterMs(response.headers.get('retry-after')));
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > maxBytes) {
        await response.body?.cancel();
        throw new HttpStatusError('WAHA', 413, `${where.pathname}: ${declared} bytes, over MEDIA_MAX_BYTES (${maxBytes})`, null);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const reader = response.body?.getReader();
      for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) {
        size += part.value.length;
        if (size > maxBytes) {
          await reader!.cancel();
          throw new HttpStatusError('WAHA', 413, `${where.pathname}: over MEDIA_MAX_BYTES (${maxBytes})`, null);
        }
        chunks.push(Buffer.from(part.value));
      }
      return { bytes: Buffer.concat(chunks), mimetype: response.headers.get('content-type')?.split(';')[0]?.trim() || null };
    },

    async findSentText({ session, chatId, text, sinceMs }) {
      const query = new URLSearchParams({
        limit: String(SENT_LOOKUP_LIMIT),
        downloadMedia: 'false',
        'filter.fromMe': 'true',
        'filter.timestamp.gte': String(Math.floor(sinceMs / 1000) - CLOCK_SKEW_SECONDS),
      });
      let answer: unknown;
      try {
        answer = await call('GET', `/api/${encodeURIComponent(session)}/chats/${encodeURIComponent(chatId)}/messages?${query}`);
      } catch (error) {
        if (error instanceof HttpStatusError && NO_MESSAGE_LIST.has(error.status)) return null;
        throw error;
      }
      if (!Array.isArray(answer)) throw new Error(`WAHA's chat messages answer is not a list: ${JSON.stringify(answer).slice(0, 300)}`);
      return answer
        .filter((message) => message && message.fromMe === true && typeof message.body === 'string' && message.body.trim() === text.trim())
        .map((message) => sentMessageIdFrom(message, chatId))
        .filter((sent): sent is SentMessageId => sent !== null);
    },
  };
}
