import type { StmRepository } from '../stores/sql/stm-repository.js';
import type { LongTermMemory } from '../stores/vector/long-term-memory.js';

/** Erase a whole chat (`contactId` null) or one person from a group chat. */
export interface EraseRequest {
  session: string;
  chatId: string;
  contactId: string | null;
}

/** What was removed, per store. */
export interface ErasedCounts {
  /** Chat rows in short-term memory. */
  chats: number;
  /** Message rows in short-term memory. */
  messages: number;
  summaries: number;
  /** Points in `longterm_memory`. */
  memories: number;
  /** Points in `user_knowledge`. */
  facts: number;
}

/**
 * The right to be forgotten, for one chat at a time: the chat's workflow runs this between
 * messages, after its background learning has settled, so nothing it erases comes back.
 */
export function createEraseActivities({ stm, ltm }: { stm: StmRepository; ltm: LongTermMemory }) {
  return {
    async eraseChatMemory(request: EraseRequest): Promise<ErasedCounts> {
      const chat = { session: request.session, chatId: request.chatId };
      if (request.contactId === null) {
        const rows = await stm.eraseChat(chat);
        const memories = await ltm.forgetMessages(request.chatId);
        // A private chat is the person: all they are known for goes. In a group, the facts
        // its messages taught go; what people said elsewhere stays theirs.
        const facts = request.chatId.endsWith('@g.us') ? await ltm.forgetFactsFrom(rows.actorIds, rows.messageIds) : await ltm.forgetFacts(request.chatId);
        return { chats: rows.chats, messages: rows.messages, summaries: rows.summaries, memories, facts };
      }
      const rows = await stm.eraseContactInChat(chat, request.contactId);
      const memories = await ltm.forgetMessages(request.chatId, request.contactId);
      const facts = await ltm.forgetFacts(request.contactId);
      return { chats: rows.chats, messages: rows.messages, summaries: rows.summaries, memories, facts };
    },
  };
}

export type EraseActivities = ReturnType<typeof createEraseActivities>;
