import type { InboundMessage } from '../domain/inbound-message.js';
import { composePrompt, type PromptMessage } from '../domain/prompt.js';
import type { ReplySettings } from '../domain/reply-policy.js';
import type { ChatRef, ReplyRecord, StmRepository } from '../stores/postgres/stm-repository.js';

export interface MemoryDeps {
  stm: StmRepository;
  settings: ReplySettings & { stmWindow: number; systemPrompt: string };
}

/** Short database steps: the workflow runs them as local activities. */
export function createMemoryActivities({ stm, settings }: MemoryDeps) {
  return {
    /**
     * Stores the message in short-term memory. Also hands the workflow the operator's
     * current reply settings, so a changed GROUP_REPLY applies without restarting chats.
     */
    async recordInbound(message: InboundMessage, claimToken: string): Promise<{ fresh: boolean; settings: ReplySettings }> {
      const stored = await stm.recordInbound(message, claimToken);
      return { fresh: stored.fresh, settings: { groupReply: settings.groupReply } };
    },

    async buildContext(chat: ChatRef & { isGroupChat: boolean }): Promise<PromptMessage[]> {
      const window = await stm.lastMessages(chat, settings.stmWindow);
      return composePrompt({ systemPrompt: settings.systemPrompt, isGroupChat: chat.isGroupChat, window });
    },

    async recordReply(reply: ReplyRecord): Promise<string> {
      return stm.recordReply(reply);
    },

    async markReplySent(rowId: string, sent: { messageId: string; waId: string }): Promise<void> {
      await stm.markReplySent(rowId, sent);
    },
  };
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
