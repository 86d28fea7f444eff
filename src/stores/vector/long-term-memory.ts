import type { InboundMessage } from '../../domain/inbound-message.js';
import type { KnowledgePlan, StoredFact } from '../../domain/knowledge.js';
import { pointIdFor } from '../../domain/point-id.js';
import type { Recalled } from '../../domain/context.js';
import type { RecallHit } from '../../domain/recall.js';
import type { VectorStore } from './vector-store.js';

/**
 * Long-term memory over the vector port: every user message in `longterm_memory`, facts
 * about each person in `user_knowledge`. Point ids come from the source, so writes retry safely.
 * It stores vectors it is given; the activities embed (src/activities/embedding.ts).
 */
export class LongTermMemory {
  constructor(readonly store: VectorStore) {}

  /** User messages with their text's vectors, in one write. The bot's own messages never come here. */
  async remember(entries: { message: InboundMessage & { body: string }; vector: number[] }[]): Promise<void> {
    if (entries.some(({ message }) => message.fromMe)) throw new Error('the bot’s own messages are not remembered');
    if (entries.length === 0) return;
    await this.store.upsert(
      'longterm_memory',
      entries.map(({ message, vector }) => ({
        id: pointIdFor('longterm_memory', message.session, message.waId),
        vector,
        payload: {
          chatId: message.chatId,
          actorId: message.actorId,
          senderName: message.senderName,
          timestamp: message.timestamp,
          messageId: message.messageId,
          isGroupChat: message.isGroupChat,
          text: message.body,
        },
      })),
    );
  }

  /** Earlier messages of this chat most similar to `query`, best first, skipping those already in the prompt. */
  async similarMessages(chatId: string, query: number[], limit: number, skipMessageIds: Set<string>): Promise<RecallHit[]> {
    if (limit === 0) return [];
    const hits = await this.store.search('longterm_memory', query, { filter: { chatId }, limit: limit + skipMessageIds.size });
    return hits
      .filter((hit) => !skipMessageIds.has(String(hit.payload.messageId)))
      .slice(0, limit)
      .map((hit) => ({ messageId: String(hit.payload.messageId), timestamp: Number(hit.payload.timestamp) || 0 }));
  }

  async facts(ltmId: string): Promise<StoredFact[]> {
    const points = await this.store.list('user_knowledge', { ltmId });
    return points.map((point) => ({ id: point.id, fact: String(point.payload.fact) }));
  }

  /**
   * Facts of these people most relevant to `query`, also those learned under their other ids
   * (`otherIds`: a lid and its phone form are one person). Several people's facts name whose they are.
   */
  async relevantFacts(ltmIds: string[], query: number[], limit: number, otherIds: string[] = []): Promise<Recalled[]> {
    if (limit === 0) return [];
    const perId = await Promise.all([...ltmIds, ...otherIds].map((ltmId) => this.store.search('user_knowledge', query, { filter: { ltmId }, limit })));
    return perId
      .flat()
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((hit) => ({ text: ltmIds.length > 1 ? `${hit.payload.ltmId}: ${hit.payload.fact}` : String(hit.payload.fact), score: hit.score }));
  }

  /** Forgets messages of a chat: all of them, or only what `actorId` wrote there. Returns how many. */
  forgetMessages(chatId: string, actorId?: string): Promise<number> {
    return this.store.deleteWhere('longterm_memory', actorId ? { chatId, actorId } : { chatId });
  }

  /** Forgets every fact about a person. Returns how many. */
  forgetFacts(ltmId: string): Promise<number> {
    return this.store.deleteWhere('user_knowledge', { ltmId });
  }

  /** Forgets one message (a deleted one): its point, if it has one. */
  async forgetMessage(session: string, waId: string): Promise<void> {
    await this.store.delete('longterm_memory', [pointIdFor('longterm_memory', session, waId)]);
  }

  /** Forgets the facts these people's messages `messageIds` taught. Returns how many. */
  async forgetFactsFrom(ltmIds: string[], messageIds: string[]): Promise<number> {
    let forgotten = 0;
    for (const ltmId of ltmIds) forgotten += (await this.forgetFactsTaughtBy(ltmId, messageIds)).length;
    return forgotten;
  }

  /**
   * Forgets the facts about a person that any of `messageIds` helped teach (a fact learned from
   * a batch names every message of it). Returns each forgotten fact's sources.
   */
  async forgetFactsTaughtBy(ltmId: string, messageIds: string[]): Promise<string[][]> {
    const sources = new Set(messageIds);
    const learned = (await this.store.list('user_knowledge', { ltmId }))
      .map((point) => ({ id: point.id, taughtBy: factSources(point.payload) }))
      .filter((fact) => fact.taughtBy.some((messageId) => sources.has(messageId)));
    await this.store.delete('user_knowledge', learned.map((fact) => fact.id));
    return learned.map((fact) => fact.taughtBy);
  }

  /**
   * Applies a reconciled plan: removals first, then additions (`vectors`: one per added fact)
   * with ids derived from their source (the batch's last message; `messageIds`, all of the
   * batch, are kept with each fact).
   */
  async applyKnowledge(ltmId: string, plan: KnowledgePlan, vectors: number[][], source: { messageId: string; timestamp: number; messageIds?: string[] }): Promise<void> {
    await this.store.delete('user_knowledge', plan.remove);
    if (plan.add.length === 0) return;
    await this.store.upsert(
      'user_knowledge',
      plan.add.map((fact, index) => ({
        id: pointIdFor('user_knowledge', ltmId, source.messageId, fact),
        vector: vectors[index]!,
        payload: { ltmId, fact, sourceMessageId: source.messageId, sourceMessageIds: (source.messageIds ?? [source.messageId]).join(' '), timestamp: source.timestamp },
      })),
    );
  }
}

/**
 * The messages a stored fact was learned from (payload values are scalars: WAHA ids joined by
 * spaces, which they never hold); facts stored before batches were named have one.
 */
function factSources(payload: Record<string, unknown>): string[] {
  const all = typeof payload.sourceMessageIds === 'string' ? payload.sourceMessageIds.split(' ').filter(Boolean) : [];
  return all.length ? all : [String(payload.sourceMessageId)];
}
