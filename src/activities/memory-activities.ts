import { log } from '@temporalio/activity';
import { countTokensYielding } from '../clients/tokenizer.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { SentMessageId } from '../domain/waha-send-result.js';
import type { Metrics } from '../observability/metrics.js';
import { refusedValue } from '../stores/sql/refused-value.js';
import type { StmRepository } from '../stores/sql/stm-repository.js';
import type { ActivitySettings } from './settings.js';

export interface MemoryDeps {
  stm: StmRepository;
  settings: ActivitySettings;
  metrics?: Metrics;
}

export interface RecordedInbound {
  fresh: boolean;
  tokens: number;
  settings: ChatSettings;
  /** Set when the database refused the message for good: it is not stored, and the chat goes on. */
  rejected?: string;
}

/** Short database steps: the workflow runs them as local activities. */
export function createMemoryActivities({ stm, settings, metrics }: MemoryDeps) {
  return {
    /**
     * Stores the message in short-term memory and counts its tokens. Also hands the workflow
     * the operator's current settings, so a change applies without restarting chats.
     */
    async recordInbound(message: InboundMessage, claimToken: string): Promise<RecordedInbound> {
      const chatSettings: ChatSettings = {
        groupReply: settings.groupReply,
        debounceMs: settings.debounceMs,
        takeoverPauseMs: settings.takeoverPauseMs,
        summaryTokenLimit: settings.summaryTokenLimit,
      };
      let fresh: boolean;
      try {
        ({ fresh } = await stm.recordInbound(message, claimToken));
      } catch (error) {
        // A value the database will never take must not hold up the chat's later messages;
        // anything else (the database away, a lock) is retried until it passes.
        const refused = refusedValue(error);
        if (!refused) throw error;
        metrics?.messagesRejected.inc({ code: refused.code });
        log.warn('message rejected by the database; the chat goes on', { messageId: message.messageId, reason: refused.reason });
        return { fresh: false, tokens: 0, settings: chatSettings, rejected: refused.reason };
      }
      return { fresh, tokens: fresh ? await countTokensYielding(message.body ?? '') : 0, settings: chatSettings };
    },

    /** Only needed when sendReply could not record the sent id itself. */
    async markReplySent(rowId: string, sent: SentMessageId): Promise<void> {
      await stm.markReplySent(rowId, sent);
    },
  };
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
