import { isGroupId } from '../domain/whatsapp-ids.js';
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
  /**
   * The person's other ids (lid ↔ phone form) that payloads told, for the operator to erase
   * too; their link goes once nothing is left under either. Absent in answers of older workers.
   */
  otherIds?: string[];
}

/**
 * The right to be forgotten, for one chat at a time: the chat's workflow runs this between
 * messages, after its background learning has settled, so nothing it erases comes back.
 * Vectors go first and the transcript last: a retry after a partial failure still finds
 * the messages that say which facts to remove. (Counts are of what the last attempt removed.)
 */
export function createEraseActivities({ stm, ltm }: { stm: StmRepository; ltm: LongTermMemory }) {
  return {
    async eraseChatMemory({ session, chatId, contactId }: EraseRequest): Promise<ErasedCounts> {
      const chat = { session, chatId };
      const person = contactId ?? (isGroupId(chatId) ? null : chatId);
      const otherIds = person ? await stm.otherIdsOf(session, [person]) : [];
      const memories = await ltm.forgetMessages(chatId, contactId ?? undefined);
      const facts = await forgetFacts();
      const rows = contactId === null ? await stm.eraseChat(chat) : await stm.eraseContactInChat(chat, contactId);
      if (person) await stm.forgetPersonIdsIfGone(session, person);
      return { ...rows, memories, facts, otherIds };

      async function forgetFacts(): Promise<number> {
        // A person goes with all they are known for; a group takes the facts its own
        // messages taught, and what its members said elsewhere stays theirs.
        if (contactId !== null) return ltm.forgetFacts(contactId);
        if (!isGroupId(chatId)) return ltm.forgetFacts(chatId);
        const { messageIds, actorIds } = await stm.userMessageSources(chat);
        return ltm.forgetFactsFrom(actorIds, messageIds);
      }
    },
  };
}

export type EraseActivities = ReturnType<typeof createEraseActivities>;
