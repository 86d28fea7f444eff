import type { Recalled } from '../domain/context.js';
import { fuseRankings, recalledPassages, searchTerms, type RecallMode } from '../domain/recall.js';
import type { ChatRef, StmRepository } from '../stores/sql/stm-repository.js';
import type { LongTermMemory } from '../stores/vector/long-term-memory.js';

export interface RecallRequest {
  chat: ChatRef;
  isGroupChat: boolean;
  query: string;
  queryVector: number[] | null;
  mode: RecallMode;
  /** Passages to return. */
  limit: number;
  /** Messages the prompt already holds (the recent transcript). */
  shownMessageIds: Set<string>;
}

// Each ranker offers more candidates than are kept, so fusion has something to agree on.
const CANDIDATES_PER_PASSAGE = 4;
// The turn before and the turn after a hit: a recalled answer comes with its question.
const NEIGHBOURS = 1;

/** Earlier messages for the prompt: full-text and vector hits fused, with their neighbours and dates. */
export async function recallEarlierMessages(deps: { stm: StmRepository; ltm: LongTermMemory }, request: RecallRequest): Promise<Recalled[]> {
  if (request.limit === 0) return [];
  const candidates = Math.max(20, request.limit * CANDIDATES_PER_PASSAGE);
  const [textHits, vectorHits] = await Promise.all([
    request.mode === 'vectors' ? [] : deps.stm.searchTranscript(request.chat, searchTerms(request.query), candidates, request.shownMessageIds),
    request.mode === 'text' || !request.queryVector
      ? []
      : deps.ltm.similarMessages(request.chat.chatId, request.queryVector, candidates, request.shownMessageIds),
  ]);
  const ranked = fuseRankings([textHits, vectorHits], request.limit);
  const around = await deps.stm.linesAround(request.chat, ranked.map((hit) => hit.messageId), NEIGHBOURS);
  return recalledPassages(ranked, around, { isGroupChat: request.isGroupChat, shownMessageIds: request.shownMessageIds });
}
