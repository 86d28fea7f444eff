import OpenAI from 'openai';
import { lightFetch } from './http-request.js';
import type { PromptMessage } from '../domain/prompt.js';
import { HttpStatusError, retryAfterMs } from './http-status-error.js';

export interface LlmClient {
  complete(
    messages: PromptMessage[],
    options?: { model?: string; json?: boolean; maxTokens?: number | null },
  ): Promise<{ text: string; model: string; promptTokens: number | null; completionTokens: number | null }>;
}

/**
 * Chat completions through the official `openai` client; with a base URL it talks to any
 * OpenAI-compatible server. Retries are Temporal's job, so the client's own are off.
 */
export function createLlmClient(options: { apiKey: string; baseUrl: string | null; model: string; timeoutMs: number }): LlmClient {
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    fetch: lightFetch,
    timeout: options.timeoutMs,
  });
  return {
    async complete(messages, call = {}) {
      const model = call.model ?? options.model;
      try {
        const completion = await client.chat.completions.create({
          model,
          messages,
          ...(call.json ? { response_format: { type: 'json_object' as const } } : {}),
          ...(call.maxTokens ? { max_tokens: call.maxTokens } : {}),
        });
        const text = completion.choices[0]?.message?.content?.trim();
        if (!text) throw new Error(`the model ${model} returned no text`);
        return {
          text,
          model: completion.model,
          promptTokens: completion.usage?.prompt_tokens ?? null,
          completionTokens: completion.usage?.completion_tokens ?? null,
        };
      } catch (error) {
        if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
          throw new HttpStatusError('LLM', error.status, error.message, retryAfterMs(error.headers?.get('retry-after')));
        }
        throw error;
      }
    },
  };
}
