import type { LlmClient } from '../clients/llm-client.js';
import { countTokens } from '../clients/tokenizer.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { KNOWLEDGE_SYSTEM_PROMPT, parseKnowledgeAnswer, planKnowledgeChanges } from '../domain/knowledge.js';
import { lineText } from '../domain/prompt.js';
import { SUMMARY_SYSTEM_PROMPT, summaryRequest } from '../domain/summary.js';
import type { LongTermMemory } from '../stores/vector/long-term-memory.js';
import type { MemoryDeps } from './memory-activities.js';
import { failPermanentlyOnRefusal } from './permanent-failure.js';

export interface LearningDeps extends MemoryDeps {
  llm: LlmClient;
  ltm: LongTermMemory;
}

// A summary folds at most this many messages at once, so one call stays bounded.
const SUMMARY_BATCH = 400;

/** Memory work off the reply's critical path: embeddings, fact extraction, summaries. */
export function createLearningActivities({ stm, llm, ltm, settings }: LearningDeps) {
  return {
    /** The user message's embedding into `longterm_memory`. */
    async rememberMessage(message: InboundMessage): Promise<void> {
      await failPermanentlyOnRefusal(() => ltm.remember(message));
    },

    /**
     * Extracts durable facts from a user message and reconciles them with what is known of
     * the speaker; returns the speaker's facts as they now stand.
     */
    async learnFacts(message: InboundMessage): Promise<{ added: number; removed: number; facts?: string[] }> {
      if (message.fromMe || !message.body) return { added: 0, removed: 0 };
      const existing = await ltm.facts(message.contactId);
      const { text } = await failPermanentlyOnRefusal(() =>
        llm.complete(
          [
            { role: 'system', content: KNOWLEDGE_SYSTEM_PROMPT },
            { role: 'user', content: JSON.stringify({ storedFacts: existing, message: message.body }) },
          ],
          { model: settings.summaryModel, json: true },
        ),
      );
      const operations = parseKnowledgeAnswer(text) ?? [];
      const plan = planKnowledgeChanges(existing, operations);
      await failPermanentlyOnRefusal(() => ltm.applyKnowledge(message.contactId, plan, { messageId: message.messageId, timestamp: message.timestamp }));
      const kept = existing.filter((fact) => !plan.remove.includes(fact.id)).map((fact) => fact.fact);
      return { added: plan.add.length, removed: plan.remove.length, facts: [...kept, ...plan.add] };
    },

    /**
     * Folds the messages since the last summary into a new one with the cheaper model, makes
     * it the chat's current summary and archives it. Once per claim token.
     */
    async summarizeChat(request: { session: string; chatId: string; claimToken: string }): Promise<{ summary: string; tokens: number; messageCount: number }> {
      const earlier = await stm.findSummary(request.claimToken);
      if (earlier) return { ...earlier, messageCount: 0 };
      const chat = { session: request.session, chatId: request.chatId };
      const [{ summary: previous }, lines] = await Promise.all([stm.currentSummary(chat), stm.messagesToSummarize(chat, SUMMARY_BATCH)]);
      if (lines.length === 0) return { summary: previous ?? '', tokens: countTokens(previous ?? ''), messageCount: 0 };
      const request_ = summaryRequest(
        previous,
        lines.map((line) => ({ role: line.role, speaker: line.role === 'assistant' ? 'assistant' : (line.senderName ?? line.actorId), content: lineText(line) })),
      );
      const { text, model } = await failPermanentlyOnRefusal(() =>
        llm.complete(
          [
            { role: 'system', content: SUMMARY_SYSTEM_PROMPT },
            { role: 'user', content: request_ },
          ],
          { model: settings.summaryModel },
        ),
      );
      const tokens = countTokens(text);
      await stm.storeSummary(chat, {
        summary: text,
        fromId: lines[0]!.id,
        toId: lines[lines.length - 1]!.id,
        messageCount: lines.length,
        tokens,
        model,
        claimToken: request.claimToken,
      });
      return { summary: text, tokens, messageCount: lines.length };
    },
  };
}

export type LearningActivities = ReturnType<typeof createLearningActivities>;
