import type { InboundMessage } from '../domain/inbound-message.js';
import type { ReplySettings } from '../domain/reply-policy.js';
import type { StmRepository } from '../stores/postgres/stm-repository.js';
import type { SentMessageId } from '../domain/waha-send-result.js';

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

    /** Only needed when sendReply could not record the sent id itself. */
    async markReplySent(rowId: string, sent: SentMessageId): Promise<void> {
      await stm.markReplySent(rowId, sent);
    },
  };
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
