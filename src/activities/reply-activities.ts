import { log } from '@temporalio/activity';
import type { LlmClient } from '../clients/llm-client.js';
import type { WahaClient } from '../clients/waha-client.js';
import { composePrompt } from '../domain/prompt.js';
import type { SentMessageId } from '../domain/waha-send-result.js';
import type { MemoryDeps } from './memory-activities.js';
import { failPermanentlyOn4xx } from './permanent-failure.js';

export interface ReplyDeps extends MemoryDeps {
  llm: LlmClient;
  waha: WahaClient;
}

export interface ComposeReplyRequest {
  session: string;
  chatId: string;
  isGroupChat: boolean;
  meId: string;
  /** WAHA id of the message being answered. */
  inReplyTo: string;
  /** Same for every attempt of this handling: a retry finds the reply it already stored. */
  claimToken: string;
}

export interface ComposedReply {
  rowId: string;
  text: string;
  promptMessages: number;
}

export interface SendReplyRequest {
  rowId: string;
  session: string;
  chatId: string;
  text: string;
  replyTo?: string;
}

/**
 * One activity per call to an outside service. Each also does the database step that
 * belongs to it, so a message costs the workflow two activity round trips, not five.
 */
export function createReplyActivities({ stm, llm, waha, settings }: ReplyDeps) {
  return {
    /** Context from short-term memory → the model → the reply stored in STM (not yet sent). */
    async composeReply(request: ComposeReplyRequest): Promise<ComposedReply> {
      const earlier = await stm.findReply(request.claimToken);
      if (earlier) return { ...earlier, promptMessages: 0 };

      const window = await stm.lastMessages(request, settings.stmWindow);
      const prompt = composePrompt({ systemPrompt: settings.systemPrompt, isGroupChat: request.isGroupChat, window });
      const { text } = await failPermanentlyOn4xx(() => llm.complete(prompt));
      const rowId = await stm.recordReply({
        session: request.session,
        chatId: request.chatId,
        text,
        meId: request.meId,
        inReplyTo: request.inReplyTo,
        claimToken: request.claimToken,
        at: Date.now(),
      });
      return { rowId, text, promptMessages: prompt.length };
    },

    /**
     * Sends the stored reply through WAHA and records its WhatsApp id. A failure to record
     * must not fail the activity: a retry would send the reply a second time.
     */
    async sendReply(request: SendReplyRequest): Promise<SentMessageId & { recorded: boolean }> {
      const sent = await failPermanentlyOn4xx(() =>
        waha.sendText({ session: request.session, chatId: request.chatId, text: request.text, replyTo: request.replyTo }),
      );
      try {
        await stm.markReplySent(request.rowId, sent);
        return { ...sent, recorded: true };
      } catch (error) {
        log.warn('reply sent, its WhatsApp id not yet recorded', { rowId: request.rowId, error: String(error) });
        return { ...sent, recorded: false };
      }
    },
  };
}

export type ReplyActivities = ReturnType<typeof createReplyActivities>;
