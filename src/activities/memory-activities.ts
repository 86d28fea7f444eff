import { countTokens } from '../clients/tokenizer.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { SentMessageId } from '../domain/waha-send-result.js';
import type { StmRepository } from '../stores/sql/stm-repository.js';
import type { ActivitySettings } from './settings.js';

export interface MemoryDeps {
  stm: StmRepository;
  settings: ActivitySettings;
}

/** Short database steps: the workflow runs them as local activities. */
export function createMemoryActivities({ stm, settings }: MemoryDeps) {
  return {
    /**
     * Stores the message in short-term memory and counts its tokens. Also hands the workflow
     * the operator's current settings, so a change applies without restarting chats.
     */
    async recordInbound(message: InboundMessage, claimToken: string): Promise<{ fresh: boolean; tokens: number; settings: ChatSettings }> {
      const stored = await stm.recordInbound(message, claimToken);
      return {
        fresh: stored.fresh,
        tokens: countTokens(message.body ?? ''),
        settings: {
          groupReply: settings.groupReply,
          debounceMs: settings.debounceMs,
          takeoverPauseMs: settings.takeoverPauseMs,
          summaryTokenLimit: settings.summaryTokenLimit,
        },
      };
    },

    /** Only needed when sendReply could not record the sent id itself. */
    async markReplySent(rowId: string, sent: SentMessageId): Promise<void> {
      await stm.markReplySent(rowId, sent);
    },
  };
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
