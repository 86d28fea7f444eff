import { log } from '@temporalio/activity';
import { countTokensYielding } from '../clients/tokenizer.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import type { UnansweredReason } from '../domain/failure-types.js';
import type { InboundMessage, MessageChange } from '../domain/inbound-message.js';
import type { SentMessageId } from '../domain/waha-send-result.js';
import { stageTimer, type Metrics } from '../observability/metrics.js';
import { refusedValue } from '../stores/sql/refused-value.js';
import type { ChangedMessage, StmRepository, StoredInbound } from '../stores/sql/stm-repository.js';
import type { ActivitySettings } from './settings.js';

export interface MemoryDeps {
  stm: StmRepository;
  settings: ActivitySettings;
  metrics?: Metrics;
}

export interface RecordedInbound extends StoredInbound {
  tokens: number;
  settings: ChatSettings;
  /** Set when the database refused the message for good: it is not stored, and the chat goes on. */
  rejected?: string;
  /** For an edit or deletion: the message it changed, null when that message is unknown. */
  changed?: ChangedMessage | null;
}

/** Short database steps: the workflow runs them as local activities. */
export function createMemoryActivities({ stm, settings, metrics }: MemoryDeps) {
  const stage = stageTimer(metrics);
  /** An edit or deletion, appended to the transcript's changes; a message never seen is counted and left. */
  async function recordChange(message: InboundMessage & { change: MessageChange }): Promise<Omit<RecordedInbound, 'settings'>> {
    const changed = await stm.recordChange(message);
    if (!changed) log.info('edit or deletion of a message not in the transcript', { kind: message.change.kind, target: message.change.targetWaId });
    if (!changed || changed.fresh) metrics?.messageChanges.inc({ kind: message.change.kind, outcome: changed ? 'applied' : 'unknown_message' });
    return { fresh: changed?.fresh ?? false, tokens: 0, changed };
  }
  const activities = {
    /** The operator's settings the workflow acts on; read once per run and again when stale. */
    async chatSettings(): Promise<ChatSettings> {
      return settings.chat;
    },

    /**
     * Stores every message that arrived since the last step, in arrival order, in one step.
     * Each message's claim token makes a retry or a replay of the step find it fresh again.
     */
    async recordArrivals(arrivals: { message: InboundMessage; claimToken: string }[]): Promise<Omit<RecordedInbound, 'settings'>[]> {
      const recorded: Omit<RecordedInbound, 'settings'>[] = [];
      for (const { message, claimToken } of arrivals) {
        const { settings: _settings, ...outcome } = await stage('recordInbound', () => activities.recordInbound(message, claimToken));
        if (outcome.fresh && message.receivedAt) metrics?.messageWait.observe((Date.now() - message.receivedAt) / 1000);
        recorded.push(outcome);
      }
      return recorded;
    },

    /**
     * Stores the message in short-term memory and counts its tokens. The settings in its result
     * are for runs begun before the `chatSettings` step (chat-workflow-v1), which read them here.
     */
    async recordInbound(message: InboundMessage, claimToken: string): Promise<RecordedInbound> {
      const chatSettings = settings.chat;
      if (message.change) return { ...(await recordChange({ ...message, change: message.change })), settings: chatSettings };
      let stored: StoredInbound;
      try {
        stored = await stm.recordInbound(message, claimToken);
      } catch (error) {
        // A value the database will never take must not hold up the chat's later messages;
        // anything else (the database away, a lock) is retried until it passes.
        const refused = refusedValue(error);
        if (!refused) throw error;
        metrics?.messagesRejected.inc({ code: refused.code });
        log.warn('message rejected by the database; the chat goes on', { messageId: message.messageId, reason: refused.reason });
        return { fresh: false, tokens: 0, settings: chatSettings, rejected: refused.reason };
      }
      return { ...stored, tokens: stored.fresh ? await countTokensYielding(message.body ?? '') : 0, settings: chatSettings };
    },

    /** Counts user messages given up on without a reply (chatmem_replies_unanswered_total{reason}). */
    async countUnanswered(reason: UnansweredReason, messages: number): Promise<void> {
      metrics?.repliesUnanswered.inc({ reason }, messages);
    },

    /** Only needed when sendReply could not record the sent id itself. */
    async markReplySent(rowId: string, sent: SentMessageId): Promise<void> {
      await stm.markReplySent(rowId, sent);
    },
  };
  return activities;
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
