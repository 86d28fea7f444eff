import { VISION_PROMPT_MARKER } from '../../src/domain/media.js';
import type { ChatMessage } from '../../src/offline/offline-model.js';
import { offlineCompletion, offlineEmbeddings, offlineTranscription, type CompletionBody, type EmbeddingsBody } from '../../src/offline/offline-openai.js';
import { sendJson, serve } from './http.js';

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  authorization: string | undefined;
  /** The most tokens the model may write, when the request says. */
  maxTokens: number | null;
  /** When it arrived, ms since the epoch. */
  at: number;
}

/** What the person last said in a prompt: what the stand-in's holds, failures and scripts match on. */
export function lastUserText(messages: ChatMessage[]): string {
  return messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
}

/**
 * A local server that speaks the OpenAI API (chat completions and embeddings), answering
 * deterministically from the request with chatmem's offline model, and records what it was asked.
 */
export async function startOpenAiStandIn() {
  const requests: CompletionRequest[] = [];
  const embeddingRequests: { model: string; input: string[] }[] = [];
  const failures: { status: number; retryAfterSeconds: number | null }[] = [];
  const aimedFailures: { matches: (lastUser: string) => boolean; status: number }[] = [];
  let embeddingSize: number | null = null;
  let completionDelayMs = 0;
  let outage: { status: number; retryAfterSeconds: number | null } | null = null;
  const scripted: { matches: (lastUser: string) => boolean; text: string }[] = [];
  const holds: { matches: (lastUser: string, messages: ChatMessage[]) => boolean; released: Promise<void>; release: () => void }[] = [];

  const transcriptions: { model: string; bytes: number }[] = [];
  const http = await serve(async (request, body, response, raw) => {
    if (request.method === 'POST' && request.url === '/v1/audio/transcriptions') {
      transcriptions.push({ model: /name="model"\r\n\r\n([^\r]*)/.exec(body)?.[1] ?? '', bytes: raw.length });
      return sendJson(response, 200, await offlineTranscription(request.headers['content-type'], raw));
    }
    if (request.method === 'POST' && request.url === '/v1/embeddings') {
      const parsed = JSON.parse(body) as EmbeddingsBody;
      embeddingRequests.push({ model: parsed.model, input: Array.isArray(parsed.input) ? parsed.input : [parsed.input] });
      return sendJson(response, 200, offlineEmbeddings(embeddingSize ? { ...parsed, dimensions: embeddingSize } : parsed));
    }
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      return sendJson(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
    }
    const parsed = JSON.parse(body) as CompletionBody;
    requests.push({ model: parsed.model, messages: parsed.messages, authorization: request.headers.authorization, maxTokens: parsed.max_tokens ?? null, at: Date.now() });
    const lastUser = lastUserText(parsed.messages);
    const aimed = isReplyPrompt(parsed.messages) ? aimedFailures.findIndex((entry) => entry.matches(lastUser)) : -1;
    const failure = aimed >= 0 ? { ...aimedFailures.splice(aimed, 1)[0]!, retryAfterSeconds: null } : isReplyPrompt(parsed.messages) ? (failures.shift() ?? outage) : undefined;
    if (failure) {
      if (failure.retryAfterSeconds !== null) response.setHeader('retry-after', String(failure.retryAfterSeconds));
      return sendJson(response, failure.status, { error: { message: `stand-in failure ${failure.status}`, type: 'test' } });
    }

    for (const hold of holds) if (hold.matches(lastUser, parsed.messages)) await hold.released;
    if (completionDelayMs) await new Promise((resolve) => setTimeout(resolve, completionDelayMs));
    const script = isReplyPrompt(parsed.messages) ? scripted.find((entry) => entry.matches(lastUser)) : undefined;
    const completion = offlineCompletion(parsed, body.length, `chatcmpl-${requests.length}`);
    if (script) completion.choices[0]!.message.content = script.text;
    sendJson(response, 200, completion);
  });

  return {
    baseUrl: `${http.url}/v1`,
    requests,
    embeddingRequests,
    /** Audio transcription requests (multipart uploads), answered by the offline model. */
    transcriptions,
    /** The chat completions that asked to describe an image. */
    visionPrompts: () => requests.filter((r) => r.messages[0]?.content.includes(VISION_PROMPT_MARKER)),
    /** The chat completions that were reply prompts (not fact extraction or summaries). */
    replyPrompts: () => requests.filter((r) => isReplyPrompt(r.messages)),
    /** The next `count` reply completions fail with `status` (and a `Retry-After` when given). */
    failNext(status: number, count = 1, retryAfterSeconds: number | null = null) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfterSeconds });
    },
    /** The next reply completion whose last user message matches fails with `status`, once. */
    failWhen(matches: (lastUser: string) => boolean, status: number) {
      aimedFailures.push({ matches, status });
    },
    /** Every reply completion fails with `status` until `up()`: the model is down. */
    down(status = 503) {
      outage = { status, retryAfterSeconds: null };
    },
    up() {
      outage = null;
    },
    /** From now on embeddings have this size whatever was asked (null: as asked), like a server that ignores `dimensions`. */
    embedWithSize(size: number | null) {
      embeddingSize = size;
    },
    /** Every completion answers after this long, like a slow model (benchmarks). */
    delayCompletions(ms: number) {
      completionDelayMs = ms;
    },
    /** Replies to a last user message that matches are `text` instead of the offline model's. */
    replyWith(matches: (lastUser: string) => boolean, text: string) {
      scripted.push({ matches, text });
    },
    /** Completions whose last user message matches wait until `release()` is called. */
    hold(matches: (lastUser: string, messages: ChatMessage[]) => boolean) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ matches, released, release });
      return { release };
    },
    close: () => {
      for (const hold of holds) hold.release();
      return http.close();
    },
  };
}

function isReplyPrompt(messages: ChatMessage[]): boolean {
  return !/\[chatmem:(knowledge|summary|vision)\]/.test(messages[0]?.content ?? '');
}

export type OpenAiStandIn = Awaited<ReturnType<typeof startOpenAiStandIn>>;
