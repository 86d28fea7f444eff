import { ApplicationFailure } from '@temporalio/common';
import type { LlmClient } from '../clients/llm-client.js';
import { countTokens } from '../clients/tokenizer.js';
import type { InboundMessage, MessageChange } from '../domain/inbound-message.js';
import { KNOWLEDGE_SYSTEM_PROMPT, parseKnowledgeAnswer, planKnowledgeChanges } from '../domain/knowledge.js';
import { describeError } from '../domain/describe-error.js';
import { lineText } from '../domain/prompt.js';
import { stageTimer } from '../observability/metrics.js';
import { SUMMARY_SYSTEM_PROMPT, summaryRequest } from '../domain/summary.js';
import { rememberMessages, type EmbeddingDeps } from './embedding.js';
import type { MemoryDeps } from './memory-activities.js';
import { callOutside } from './outside-call.js';

export interface LearningDeps extends MemoryDeps, EmbeddingDeps {
  llm: LlmClient;
}

/** A user message as fact extraction reads it. */
type Said = Pick<InboundMessage, 'messageId' | 'body' | 'timestamp'>;

/** What a batch taught, and each of its two steps that was refused for good (the other's work stands). */
export interface LearnedBatch {
  knowledge: Record<string, string[]>;
  refused: { step: 'rememberMessage' | 'learnFacts'; reason: string }[];
}

// A summary folds at most this many messages at once, so one call stays bounded.
const SUMMARY_BATCH = 400;

/** Memory work off the reply's critical path: embeddings, fact extraction, summaries. */
export function createLearningActivities(deps: LearningDeps) {
  const { stm, llm, ltm, embedder, settings } = deps;
  const stage = stageTimer(deps.metrics);
  async function learnFromSpeaker(contactId: string, said: Said[]): Promise<{ added: number; removed: number; facts: string[] }> {
    const existing = await ltm.facts(contactId);
    const request = said.length === 1 ? { storedFacts: existing, message: said[0]!.body } : { storedFacts: existing, messages: said.map((message) => message.body) };
    const { text } = await callOutside(() =>
      llm.complete(
        [
          { role: 'system', content: KNOWLEDGE_SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify(request) },
        ],
        { model: settings.context.summaryModel, json: true },
      ),
    );
    const operations = parseKnowledgeAnswer(text) ?? [];
    const plan = planKnowledgeChanges(existing, operations);
    const source = said[said.length - 1]!;
    const vectors = plan.add.length ? await callOutside(() => embedder.embed(plan.add)) : [];
    await callOutside(() => ltm.applyKnowledge(contactId, plan, vectors, { messageId: source.messageId, timestamp: source.timestamp, messageIds: said.map((message) => message.messageId) }));
    const kept = existing.filter((fact) => !plan.remove.includes(fact.id)).map((fact) => fact.fact);
    return { added: plan.add.length, removed: plan.remove.length, facts: [...kept, ...plan.add] };
  }

  /**
   * What an edited or deleted message taught is unlearned: the facts it helped teach go, and
   * are learned again from what the other messages of their batch say now and, for an edit,
   * from the new text. Its long-term memory point is replaced by the new text, or removed.
   */
  async function applyChange(change: InboundMessage & { change: MessageChange }): Promise<string[]> {
    const chat = { session: change.session, chatId: change.chatId };
    const edited = change.change.kind === 'edited' && !!change.body;
    await callOutside(() => (edited ? rememberMessages(deps, [change]) : ltm.forgetMessage(change.session, change.waId)));
    const taughtBy = await callOutside(() => ltm.forgetFactsTaughtBy(change.contactId, [change.messageId]));
    const others = [...new Set(taughtBy.flat())].filter((messageId) => messageId !== change.messageId);
    const relearn: Said[] = [...(await stm.currentUserTexts(chat, others)), ...(edited ? [{ messageId: change.messageId, body: change.body, timestamp: change.timestamp }] : [])];
    if (relearn.length) return (await learnFromSpeaker(change.contactId, relearn)).facts;
    return (await ltm.facts(change.contactId)).map((fact) => fact.fact);
  }

  async function learnFactsFromBatch(messages: InboundMessage[]): Promise<{ knowledge: Record<string, string[]> }> {
    const bySpeaker = new Map<string, InboundMessage[]>();
    for (const message of messages) {
      if (message.fromMe || !message.body) continue;
      bySpeaker.set(message.contactId, [...(bySpeaker.get(message.contactId) ?? []), message]);
    }
    const learned = await Promise.all([...bySpeaker].map(async ([contactId, said]) => [contactId, (await learnFromSpeaker(contactId, said)).facts] as const));
    return { knowledge: Object.fromEntries(learned) };
  }

  const rememberBatch = (messages: InboundMessage[]) => callOutside(() => rememberMessages(deps, messages));

  return {
    /**
     * Edits and deletions of the chat's user messages, in order, after the batch they came
     * with was learned. Each names the changed message (its id, time and author). Returns the
     * facts of each person concerned as they now stand.
     */
    async applyMessageChanges(changes: InboundMessage[]): Promise<{ knowledge: Record<string, string[]> }> {
      const knowledge: Record<string, string[]> = {};
      for (const change of changes) {
        if (!change.change || change.fromMe) continue;
        knowledge[change.contactId] = await applyChange({ ...change, change: change.change });
      }
      return { knowledge };
    },

    /** The user message's (or messages') embedding into `longterm_memory`, in one embeddings call. */
    async rememberMessage(messages: InboundMessage | InboundMessage[]): Promise<void> {
      await rememberBatch(Array.isArray(messages) ? messages : [messages]);
    },

    /**
     * Extracts durable facts from a user message and reconciles them with what is known of
     * the speaker; returns the speaker's facts as they now stand.
     */
    async learnFacts(message: InboundMessage): Promise<{ added: number; removed: number; facts?: string[] }> {
      if (message.fromMe || !message.body) return { added: 0, removed: 0 };
      return learnFromSpeaker(message.contactId, [message]);
    },

    /**
     * The same over a batch of a chat's user messages: one model call per person who spoke,
     * with all their messages in order. Returns each speaker's facts as they now stand.
     */
    learnFactsFromBatch,

    /**
     * A batch of a chat's user messages learned in one step: their embeddings into long-term
     * memory, and each speaker's facts, side by side. A step the embedder or the model refuses
     * for good is reported, and the other's work stands; any other failure fails the step, and
     * its retry does both again (remembering overwrites the same points, and facts already
     * known are not added twice).
     */
    async learnFromBatch(messages: InboundMessage[]): Promise<LearnedBatch> {
      const [remembered, learned] = await Promise.allSettled([
        stage('rememberMessage', () => rememberBatch(messages)),
        stage('learnFacts', () => learnFactsFromBatch(messages)),
      ]);
      const failures = [
        { step: 'rememberMessage' as const, result: remembered },
        { step: 'learnFacts' as const, result: learned },
      ].flatMap(({ step, result }) => (result.status === 'rejected' ? [{ step, error: result.reason as unknown }] : []));
      const retryable = failures.find(({ error }) => !(error instanceof ApplicationFailure && error.nonRetryable));
      if (retryable) throw retryable.error;
      for (const message of messages) if (message.receivedAt) deps.metrics?.learningLag.observe((Date.now() - message.receivedAt) / 1000);
      return {
        knowledge: learned.status === 'fulfilled' ? learned.value.knowledge : {},
        refused: failures.map(({ step, error }) => ({ step, reason: describeError(error) })),
      };
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
      const { text, model } = await callOutside(() =>
        llm.complete(
          [
            { role: 'system', content: SUMMARY_SYSTEM_PROMPT },
            { role: 'user', content: request_ },
          ],
          { model: settings.context.summaryModel },
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
