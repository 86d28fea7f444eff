import { createHash } from 'node:crypto';
import { sendJson, serve } from './http.js';

interface ChatMessage {
  role: string;
  content: string;
}

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  authorization: string | undefined;
}

/**
 * A local server that speaks the OpenAI chat completions API. Its answer depends only on
 * the prompt: it quotes the last user message and a digest of the whole prompt.
 */
export async function startOpenAiStandIn() {
  const requests: CompletionRequest[] = [];
  const failures: number[] = [];
  const holds: { matches: (lastUser: string) => boolean; released: Promise<void>; release: () => void }[] = [];

  const http = await serve(async (request, body, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      return sendJson(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
    }
    const parsed = JSON.parse(body) as { model: string; messages: ChatMessage[] };
    requests.push({ model: parsed.model, messages: parsed.messages, authorization: request.headers.authorization });
    const failure = failures.shift();
    if (failure) return sendJson(response, failure, { error: { message: `stand-in failure ${failure}`, type: 'test' } });

    const lastUser = [...parsed.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    for (const hold of holds) if (hold.matches(lastUser)) await hold.released;
    const text = replyFor(parsed.messages);
    sendJson(response, 200, {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: parsed.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: body.length >> 2, completion_tokens: text.length >> 2, total_tokens: (body.length + text.length) >> 2 },
    });
  });

  return {
    baseUrl: `${http.url}/v1`,
    requests,
    /** The next `count` completions fail with `status`. */
    failNext(status: number, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    /** Completions whose last user message matches wait until `release()` is called. */
    hold(matches: (lastUser: string) => boolean) {
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

export function replyFor(messages: ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const digest = createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 8);
  return `Re: ${lastUser.slice(0, 120)} [${messages.length} msgs ${digest}]`;
}

export type OpenAiStandIn = Awaited<ReturnType<typeof startOpenAiStandIn>>;
