import { sendJson, serve } from '../offline/local-http.js';
import { OFFLINE_MEDIA_TEXT_MARKER } from '../offline/offline-model.js';
import { newWaId, TEXT_DELIVERED, wahaEvent, type WahaEngine, type WahaMe } from './waha-events.js';
import { postWebhook } from './webhook-poster.js';


export interface SendTextCall {
  session: string;
  chatId: string;
  text: string;
  reply_to?: string;
  sentId: string;
  /** When WAHA sent it, in seconds, as its message list stamps it. */
  timestamp: number;
  /** The same in milliseconds. */
  at: number;
}

export interface WahaStandInOptions {
  /** The X-Api-Key every request must carry; null: none asked for (a WAHA without WAHA_API_KEY). */
  apiKey: string | null;
  engine?: WahaEngine;
  me?: WahaMe;
  hmacKey?: string | null;
  /** Where to listen (default: a free port). */
  port?: number;
}

const DEFAULT_ME: WahaMe = { id: '5521900000001@c.us', pushName: 'Café Aurora', lid: '99887766554433@lid' };

/**
 * The one fake WAHA, for the simulator, the tests and the benches: a local server that speaks WAHA's send API (sendText, sendSeen, startTyping, stopTyping)
 * behind X-Api-Key, answers sendText in the chosen engine's shape, and then posts the fromMe
 * `message.any` echo of the sent message to the webhook, as WAHA does. It also lists what it
 * sent to a chat (`GET /api/{session}/chats/{chatId}/messages`, newest first, with WAHA's
 * `limit`, `filter.fromMe` and `filter.timestamp.gte`), and serves the media files a test gives it.
 */
export async function startWahaStandIn(options: WahaStandInOptions) {
  const engine = options.engine ?? 'GOWS';
  const me = options.me ?? DEFAULT_ME;
  const sent: SendTextCall[] = [];
  /** Every request, with when it arrived (ms since the epoch). */
  const calls: { path: string; body: unknown; at: number }[] = [];
  const echoStatuses: number[] = [];
  const failures: number[] = [];
  let answersToLose = 0;
  let outageStatus: number | null = null;
  let holdMs = 0;
  let listStatus: number | null = null;
  let webhookUrl: string | null = null;
  let beforeAnswer: ((call: SendTextCall) => Promise<void>) | null = null;
  const pendingEchoes = new Set<Promise<void>>();
  const sentListeners: ((call: SendTextCall) => void)[] = [];
  const files = new Map<string, { bytes: Buffer; mimetype: string }>();

  const http = await serve(async (request, raw, response) => {
    if (options.apiKey !== null && request.headers['x-api-key'] !== options.apiKey) return sendJson(response, 401, { message: 'Unauthorized' });
    const body = raw ? JSON.parse(raw) : {};
    const url = new URL(request.url ?? '/', 'http://waha');
    const path = url.pathname;
    calls.push({ path, body, at: Date.now() });
    const file = request.method === 'GET' ? files.get(path) : undefined;
    if (file) {
      response.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.bytes.length });
      response.end(file.bytes);
      return;
    }
    const listed = /^\/api\/([^/]+)\/chats\/([^/]+)\/messages$/.exec(path);
    if (listed && request.method === 'GET') {
      if (listStatus) return sendJson(response, listStatus, { message: `stand-in failure ${listStatus}` });
      return sendJson(response, 200, messageList(decodeURIComponent(listed[1]!), decodeURIComponent(listed[2]!), url.searchParams));
    }
    switch (path) {
      case '/api/sendText': {
        const failure = failures.shift() ?? outageStatus;
        if (failure) return sendJson(response, failure, { message: `stand-in failure ${failure}` });
        // A WAHA that hangs: nothing happens to the message until it moves again.
        if (holdMs) await new Promise((resolve) => setTimeout(resolve, holdMs));
        const waId = newWaId();
        const sentId = `true_${body.chatId}_${waId}`;
        const call = { ...body, sentId, timestamp: Math.floor(Date.now() / 1000), at: Date.now() };
        sent.push(call);
        for (const listener of sentListeners) listener(call);
        if (answersToLose > 0) {
          // Sent, echoed, and the answer never arrives: what a crash or a dropped connection leaves.
          answersToLose -= 1;
          await postEcho(body, waId);
          request.socket.destroy();
          return;
        }
        if (beforeAnswer) {
          // WAHA can deliver the echo webhook before its sendText answer reaches us.
          await postEcho(body, waId);
          await beforeAnswer(call);
          return sendJson(response, 201, sendTextAnswer(engine, body.chatId, waId, body.text));
        }
        sendJson(response, 201, sendTextAnswer(engine, body.chatId, waId, body.text));
        const echo = postEcho(body, waId).finally(() => pendingEchoes.delete(echo));
        pendingEchoes.add(echo);
        return;
      }
      case '/api/sendSeen':
      case '/api/startTyping':
      case '/api/stopTyping':
        return sendJson(response, 201, { result: true });
      default:
        return sendJson(response, 404, { message: `no route ${path}` });
    }
  }, options.port);

  function messageList(session: string, chatId: string, query: URLSearchParams): unknown[] {
    const since = Number(query.get('filter.timestamp.gte') ?? 0);
    const limit = Number(query.get('limit') ?? 100);
    // Only what was sent through this WAHA is known here, all of it fromMe.
    if (query.get('filter.fromMe') === 'false') return [];
    return sent
      .filter((call) => call.session === session && call.chatId === chatId && call.timestamp >= since)
      .reverse()
      .slice(0, limit)
      .map((call) => ({ ...echoPayload(engine, me, call, parseSentId(call.sentId)), timestamp: call.timestamp }));
  }

  async function postEcho(request: { session: string; chatId: string; text: string }, waId: string): Promise<void> {
    if (!webhookUrl) return;
    const echo = wahaEvent({ event: 'message.any', session: request.session, me, engine, payload: echoPayload(engine, me, request, waId) });
    // The webhook may already be gone when a test or benchmark shuts down: that is no failure (status 0).
    echoStatuses.push((await postWebhook(webhookUrl, echo, options.hmacKey ?? null)).status);
  }

  return {
    url: http.url,
    me,
    sent,
    calls,
    echoStatuses,
    /** Called for every sendText, as it arrives. */
    onSent(listener: (call: SendTextCall) => void) {
      sentListeners.push(listener);
    },
    /** WAHA serves this file at `path` (as it serves downloaded media under `/api/files/`), behind the API key. */
    serveFile(path: string, bytes: Buffer, mimetype: string) {
      files.set(path, { bytes, mimetype });
    },
    /**
     * WAHA serves the file of this media event (at its `media.url` path, with its mimetype),
     * whose bytes carry `text` for the offline model to transcribe or describe.
     */
    serveMediaOf(event: { payload: { media: { url: string; mimetype: string } } }, text: string, magic = '') {
      const bytes = Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.from(`${OFFLINE_MEDIA_TEXT_MARKER}${text}`, 'utf8')]);
      files.set(new URL(event.payload.media.url).pathname, { bytes, mimetype: event.payload.media.mimetype });
    },
    /** Where the echo of every sent message is posted. */
    setWebhookUrl(url: string) {
      webhookUrl = url;
    },
    /** The next `count` sendTexts are sent and echoed, and then the connection drops before the answer. */
    loseNextAnswer(count = 1) {
      answersToLose += count;
    },
    /** The chat messages list answers with this status (null: lists again), as a WAHA without a message store does. */
    failMessageList(status: number | null) {
      listStatus = status;
    },
    failNext(status: number, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    /** Every sendText answers `status` until `up()`: WAHA is down. */
    down(status = 500) {
      outageStatus = status;
    },
    up() {
      outageStatus = null;
    },
    /** Each sendText waits this long before WAHA sends it and answers (0: at once). */
    hangSends(ms: number) {
      holdMs = ms;
    },
    /** From now on the echo is posted first, and the answer waits for `hook` (null: back to normal). */
    echoBeforeAnswer(hook: ((call: SendTextCall) => Promise<void>) | null) {
      beforeAnswer = hook;
    },
    async close() {
      await Promise.allSettled([...pendingEchoes]);
      await http.close();
    },
  };
}

export type WahaStandIn = Awaited<ReturnType<typeof startWahaStandIn>>;

function sendTextAnswer(engine: WahaEngine, chatId: string, waId: string, text: string): unknown {
  switch (engine) {
    case 'GOWS':
      return { id: `true_${chatId}_${waId}`, _data: { extendedTextMessage: { text } } };
    case 'WEBJS': {
      const id = { fromMe: true, remote: chatId, id: waId, _serialized: `true_${chatId}_${waId}` };
      return { _data: { id, body: text, type: 'chat' }, id, body: text, fromMe: true, ack: 0, to: chatId };
    }
    case 'NOWEB':
      return {
        key: { remoteJid: chatId.replace('@c.us', '@s.whatsapp.net'), fromMe: true, id: waId },
        message: { extendedTextMessage: { text } },
        status: 'PENDING',
      };
  }
}

const parseSentId = (sentId: string) => sentId.slice(sentId.lastIndexOf('_') + 1);

/** The sent message as WAHA shows it: in its echo, and in the chat's message list. */
function echoPayload(engine: WahaEngine, me: WahaMe, request: { chatId: string; text: string }, waId: string) {
  const common = {
    id: `true_${request.chatId}_${waId}`,
    timestamp: Math.floor(Date.now() / 1000),
    fromMe: true,
    source: 'api',
    body: request.text,
    ...TEXT_DELIVERED,
    location: null,
    vCards: [],
  };
  return engine === 'WEBJS'
    ? { ...common, from: me.id, to: request.chatId, _data: { notifyName: me.pushName, body: request.text } }
    : engine === 'NOWEB'
      ? { ...common, from: request.chatId, replyTo: null, _data: { key: { remoteJid: request.chatId, fromMe: true, id: waId }, pushName: me.pushName } }
      : { ...common, from: request.chatId, to: null, participant: null, replyTo: null, _data: { Info: { ID: waId, IsFromMe: true, PushName: me.pushName } } };
}
