import type { LlmClient } from '../clients/llm-client.js';
import type { Metrics } from './metrics.js';

/** Counts the tokens every model call reports into chatmem_llm_tokens_total. */
export function withTokenMetrics(llm: LlmClient, metrics: Metrics | undefined): LlmClient {
  if (!metrics) return llm;
  return {
    async complete(messages, options) {
      const result = await llm.complete(messages, options);
      if (result.promptTokens !== null) metrics.llmTokens.inc({ model: result.model, kind: 'prompt' }, result.promptTokens);
      if (result.completionTokens !== null) metrics.llmTokens.inc({ model: result.model, kind: 'completion' }, result.completionTokens);
      return result;
    },
  };
}
