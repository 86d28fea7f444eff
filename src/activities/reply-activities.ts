import type { LlmClient } from '../clients/llm-client.js';
import type { SendTextRequest, WahaClient } from '../clients/waha-client.js';
import type { PromptMessage } from '../domain/prompt.js';
import type { SentMessageId } from '../domain/waha-send-result.js';
import { failPermanentlyOn4xx } from './permanent-failure.js';

export interface ReplyDeps {
  llm: LlmClient;
  waha: WahaClient;
}

/** One activity per call to an outside service, so each retries on its own. */
export function createReplyActivities({ llm, waha }: ReplyDeps) {
  return {
    async generateReply(prompt: PromptMessage[]): Promise<{ text: string; model: string }> {
      const { text, model } = await failPermanentlyOn4xx(() => llm.complete(prompt));
      return { text, model };
    },

    async sendReply(request: SendTextRequest): Promise<SentMessageId> {
      return failPermanentlyOn4xx(() => waha.sendText(request));
    },
  };
}

export type ReplyActivities = ReturnType<typeof createReplyActivities>;
