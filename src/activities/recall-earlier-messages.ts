import type { Recalled } from '../domain/context.js';
import { fuseRankings, recalledPassages, searchTerms, type RecallHit, type RecallMode } from '../domain/recall.js';
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
// all-MiniLM-L6-v2 finds evidence less often than full-text search (bench:recall): at equal
// weights, messages both rankers put in the middle push out full-text search's first hits.
// Measured on LoCoMo: a quarter beat a half, and beat full-text search alone.
const VECTOR_WEIGHT = 0.25;
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
  // In a group, what people asked the bot (the messages it answered) are questions, not
  // memory: each new question would recall the earlier ones before what people told each other.
  const asked = request.isGroupChat ? await deps.stm.answeredByBot(request.chat, [...textHits, ...vectorHits].map((hit) => hit.messageId)) : new Set<string>();
  const told = (hits: RecallHit[]) => hits.filter((hit) => !asked.has(hit.messageId));
  const ranked = fuseRankings([told(textHits), told(vectorHits)], request.limit, [1, VECTOR_WEIGHT]);
  const around = await deps.stm.linesAround(request.chat, ranked.map((hit) => hit.messageId), NEIGHBOURS);
  return recalledPassages(ranked, around, { isGroupChat: request.isGroupChat, shownMessageIds: request.shownMessageIds });
}
