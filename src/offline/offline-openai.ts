import { answerFor, embed, transcribe, type ChatMessage } from './offline-model.js';
import { sendJson, serve } from './local-http.js';

export interface CompletionBody {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
}

export interface EmbeddingsBody {
  model: string;
  input: string | string[];
  dimensions?: number;
}

/** An OpenAI chat completion answered by the offline model. */
export function offlineCompletion(request: CompletionBody, requestBytes: number, id: string) {
  const text = answerFor(request.messages);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    // Rough counts (four bytes a token), so token metrics move in offline mode too.
    usage: { prompt_tokens: requestBytes >> 2, completion_tokens: text.length >> 2, total_tokens: (requestBytes + text.length) >> 2 },
  };
}

/** An OpenAI embeddings answer from hashed word features. */
export function offlineEmbeddings(request: EmbeddingsBody) {
  const input = Array.isArray(request.input) ? request.input : [request.input];
  const dimensions = request.dimensions ?? 64;
  return {
    object: 'list',
    model: request.model,
    data: input.map((text, index) => ({ object: 'embedding', index, embedding: embed(text, dimensions) })),
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}

/** An OpenAI audio transcription of the multipart upload's `file`, by the offline model. */
export async function offlineTranscription(contentType: string | undefined, raw: Buffer): Promise<{ text: string }> {
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType ?? '' } }).formData();
  const file = form.get('file');
  if (!file || typeof file === 'string') throw new Error('no file in the transcription request');
  return { text: transcribe(Buffer.from(await file.arrayBuffer())) };
}

/**
 * Offline mode: a loopback server speaking the OpenAI API, so the production `openai`
 * client and the whole pipeline run unchanged without a key.
 */
export async function startOfflineOpenAi(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  let served = 0;
  const http = await serve(async (request, body, response, raw) => {
    if (request.method === 'POST' && request.url === '/v1/audio/transcriptions') {
      return sendJson(response, 200, await offlineTranscription(request.headers['content-type'], raw));
    }
    if (request.method === 'POST' && request.url === '/v1/embeddings') {
      return sendJson(response, 200, offlineEmbeddings(JSON.parse(body) as EmbeddingsBody));
    }
    if (request.method === 'POST' && request.url === '/v1/chat/completions') {
      return sendJson(response, 200, offlineCompletion(JSON.parse(body) as CompletionBody, body.length, `offline-${++served}`));
    }
    sendJson(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
  });
  return { baseUrl: `${http.url}/v1`, close: http.close };
}
