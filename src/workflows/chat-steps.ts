import { condition, log, patched, setHandler, uuid4 } from '@temporalio/workflow';
import type { ErasedCounts, ReplyRequest } from '../activities/index.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { ChatState } from '../domain/chat-state.js';
import { describeError } from '../domain/describe-error.js';
import { isContactId } from '../domain/whatsapp-ids.js';
import { erasing, outside } from './activity-proxies.js';
import { deliverLateLocalResultsFirst, type LateLocalResults } from './late-local-results.js';
import { eraseUpdate, inboundSignal, memoryQuery, resumeSignal, retryUnansweredUpdate, stateQuery, type ChatWorkflowInput } from './chat-contract.js';

/** Steps every shape of the chat workflow shares: its state and handlers, erase, summary. */
export interface OpenChat {
  state: ChatState;
  erasures: Erasures;
  /** Local activity results sdk-core hands over late are handed over first (see late-local-results); null in runs begun before. */
  lateResults: LateLocalResults | null;
}

/** The chat's state from what the previous run carried, with its signal, query and update handlers. */
export function openChat(input: ChatWorkflowInput): OpenChat {
  // Runs begun before it replay as they were recorded, results in the order they came.
  const lateResults = patched('late-local-results-first') ? deliverLateLocalResultsFirst() : null;
  const state = new ChatState({ session: input.session, chatId: input.chatId }, input.carried);
  const erasures = new Erasures();
  // Before the signal handler, which takes the signals already buffered: they came after it.
  if (input.first) state.accept(input.first, Date.now());
  setHandler(inboundSignal, (message) => void state.accept(message, Date.now()));
  setHandler(resumeSignal, () => state.resume());
  setHandler(stateQuery, () => state.view());
  setHandler(memoryQuery, () => state.memory());
  setHandler(retryUnansweredUpdate, () => ({ messages: state.retryUnanswered() }));
  setHandler(eraseUpdate, ({ contactId }) => erasures.request(contactId), {
    validator: ({ contactId }) => {
      if (contactId !== null && !isContactId(contactId)) throw new Error(`'${contactId}' is not a contact id such as 5511988887777@c.us`);
    },
  });
  return { state, erasures, lateResults };
}

/** What the reply step needs to answer a batch of user messages; the reply is linked to the last. */
export function replyRequestFor(batch: InboundMessage[], claimToken: string): ReplyRequest {
  const last = batch[batch.length - 1]!;
  return {
    session: last.session,
    chatId: last.chatId,
    isGroupChat: last.isGroupChat,
    meId: last.meId,
    answering: batch.map((message) => ({ messageId: message.messageId, body: message.body })),
    ltmIds: [...new Set(batch.map((message) => message.contactId))],
    claimToken,
    // Sent to the chat as WAHA named it; its id is remembered so WAHA's echo of it is dropped.
    replyChatId: last.replyChatId,
    ...(last.isGroupChat ? { replyTo: last.messageId, askerId: last.contactId } : {}),
  };
}

/** Folds the conversation since the last summary into a new one; true when it was made. */
export async function summarize(state: ChatState, input: ChatWorkflowInput): Promise<boolean> {
  try {
    const { summary } = await outside.summarizeChat.executeWithOptions({ summary: `summarize ${state.tokensSinceSummary()} tokens of conversation` }, [
      { session: input.session, chatId: input.chatId, claimToken: uuid4() },
    ]);
    state.recordSummary(summary);
    return true;
  } catch (error) {
    log.error('summary failed; the chat goes on and tries again after the next message', { error: describeError(error) });
    return false;
  }
}

/** Runs the oldest erase request once background learning has settled; true when the whole chat went. */
export async function erase(state: ChatState, learning: { settled(): Promise<void> }, erasures: Erasures, input: ChatWorkflowInput): Promise<boolean> {
  // What is still being learned would otherwise land after the erase and bring the person back.
  await learning.settled();
  const contactId = erasures.next();
  const counts = await erasing.eraseChatMemory.executeWithOptions({ summary: `erase ${contactId ?? 'the whole chat'} from every store` }, [
    { session: input.session, chatId: input.chatId, contactId },
  ]);
  if (contactId === null) state.forgetAll();
  else state.forgetContact(contactId, { summaryDropped: counts.summaries > 0 });
  erasures.answer(counts);
  log.info('erased', { contactId, ...counts });
  return contactId === null;
}

/** Erase requests (from the `erase` update), taken one at a time by the main loop. */
export class Erasures {
  private readonly queue: { contactId: string | null; answer?: ErasedCounts }[] = [];

  request(contactId: string | null): Promise<ErasedCounts> {
    const ticket: { contactId: string | null; answer?: ErasedCounts } = { contactId };
    this.queue.push(ticket);
    return condition(() => ticket.answer !== undefined).then(() => ticket.answer!);
  }

  waiting(): boolean {
    return this.queue.length > 0;
  }

  next(): string | null {
    return this.queue[0]!.contactId;
  }

  answer(counts: ErasedCounts): void {
    this.queue.shift()!.answer = counts;
  }
}
