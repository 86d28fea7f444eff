import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { EraseActivities, ErasedCounts, LearningActivities, MemoryActivities, ReplyActivities } from '../activities/index.js';
import { chatDetails } from '../domain/chat-details.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import { ChatState, type ChatMemoryView, type ChatSnapshot, type ChatStateView } from '../domain/chat-state.js';
import { describeError } from '../domain/describe-error.js';
import { PERMANENT_FAILURE } from '../domain/failure-types.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { decideReply, isHumanTakeover } from '../domain/reply-policy.js';
import { isContactId } from '../domain/whatsapp-ids.js';
import { LAST_INTERACTION } from './search-attributes.js';

/** A WhatsApp message for this chat, as the webhook normalized it. */
export const inboundSignal = defineSignal<[InboundMessage]>('inbound');
/** Ends a human takeover early: the bot answers again from the next message on. */
export const resumeSignal = defineSignal('resume');
/** Counts, queue, summary and pause of the chat, for operators and the Web UI. */
export const stateQuery = defineQuery<ChatStateView>('state');
/** What the bot knows and remembers here: summary, facts per person, the latest lines. */
export const memoryQuery = defineQuery<ChatMemoryView>('memory');
/**
 * Erases the chat (`contactId` null) or one person from it, in every store, between two
 * messages; answers with the counts per store. A whole chat starts over as a new run.
 */
export const eraseUpdate = defineUpdate<ErasedCounts, [{ contactId: string | null }]>('erase');

export interface ChatWorkflowInput {
  session: string;
  chatId: string;
  /** Set when the chat continues as new: what the previous run handed over. */
  carried?: ChatSnapshot;
}

// Database steps are short and must never give up: nothing accepted is ever lost.
const memory = proxyLocalActivities<MemoryActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

// Outside services: back off, and stop at once on answers that say the request is wrong.
// Erasing must finish however long the stores are away: no attempt limit.
const erasing = proxyActivities<EraseActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const outside = proxyActivities<ReplyActivities & LearningActivities>({
  startToCloseTimeout: '90 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [PERMANENT_FAILURE],
  },
});

/**
 * One chat, one workflow: messages are handled one at a time, in the order they arrived.
 */
export async function chatWorkflow(input: ChatWorkflowInput): Promise<void> {
  const state = new ChatState({ session: input.session, chatId: input.chatId }, input.carried);
  const learning = new BackgroundLearning(state);
  const erasures = new Erasures();
  const lastInteraction = new LastInteractionAttribute();
  setHandler(inboundSignal, (message) => void state.accept(message));
  setHandler(resumeSignal, () => state.resume());
  setHandler(stateQuery, () => state.view());
  setHandler(memoryQuery, () => state.memory());
  setHandler(eraseUpdate, ({ contactId }) => erasures.request(contactId), {
    validator: ({ contactId }) => {
      if (contactId !== null && !isContactId(contactId)) throw new Error(`'${contactId}' is not a contact id such as 5511988887777@c.us`);
    },
  });

  for (;;) {
    setCurrentDetails(chatDetails(state.view()));
    await condition(() => state.hasPending() || erasures.waiting() || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) break;

    // 0. An operator's erase request goes first; an erased chat starts over as a new run.
    if (erasures.waiting()) {
      if (await erase(state, learning, erasures, input)) break;
      continue;
    }

    // 1. Store what arrived; user messages close together become one batch (debounce).
    const { batch, settings } = await collectBatch(state, learning);
    lastInteraction.show(state.lastInteraction());

    // 2. Answer the batch, unless a human operator has the chat.
    if (batch.length && !state.isPaused(Date.now())) await answer(state, batch);

    // 3. A long conversation is summarized, and the chat continues as new from the summary.
    if (state.tokensSinceSummary() > settings.summaryTokenLimit && (await summarize(state, input))) break;
  }

  await learning.settled();
  await condition(allHandlersFinished);
  await continueAsNew<typeof chatWorkflow>({ session: input.session, chatId: input.chatId, carried: state.snapshot() });
}

/** Keeps the LastInteraction search attribute current, so the Web UI can sort and filter chats by it. */
class LastInteractionAttribute {
  private shown: number | null = null;

  show(last: number | null): void {
    if (last === null || last === this.shown) return;
    // Histories recorded before the attribute existed replay without this command.
    if (!patched('last-interaction-search-attribute')) return;
    upsertSearchAttributes([{ key: LAST_INTERACTION, value: new Date(last * 1000) }]);
    this.shown = last;
  }
}

/**
 * Stores the next message and, while user messages keep coming within the debounce window,
 * the ones after it. Returns the user messages to answer together.
 */
async function collectBatch(state: ChatState, learning: BackgroundLearning): Promise<{ batch: InboundMessage[]; settings: ChatSettings }> {
  const first = state.takeNext()!;
  let { toAnswer, settings } = await store(state, learning, first);
  const batch = toAnswer ? [first] : [];
  while (batch.length && settings.debounceMs > 0 && (await condition(() => state.hasPending(), settings.debounceMs))) {
    const next = state.takeNext()!;
    ({ toAnswer, settings } = await store(state, learning, next));
    if (toAnswer) batch.push(next);
  }
  return { batch, settings };
}

/** Everything is stored, once, whichever chat form (@c.us / @lid) it arrived under. */
async function store(state: ChatState, learning: BackgroundLearning, message: InboundMessage): Promise<{ toAnswer: boolean; settings: ChatSettings }> {
  const { fresh, tokens, settings, rejected } = await memory.recordInbound.executeWithOptions({ summary: `store ${message.fromMe ? 'the bot’s' : 'a user'} message ${message.waId}` }, [message, uuid4()]);
  // The database will never take this one: it is shown to operators, and the next message is handled.
  if (rejected) {
    state.recordRejected(message, rejected);
    return { toAnswer: false, settings };
  }
  if (!fresh) {
    state.recordDuplicate();
    return { toAnswer: false, settings };
  }
  state.recordStored(message, tokens);
  // Only what users say goes into long-term memory and knowledge; the bot's own words never do.
  if (!message.fromMe) learning.learnFrom(message);
  if (isHumanTakeover(message)) state.pause(Date.now() + settings.takeoverPauseMs);
  return { toAnswer: decideReply(message, settings).answer, settings };
}

/** The model answers the batch from summary, memory and transcript; the reply is stored, then sent. */
async function answer(state: ChatState, batch: InboundMessage[]): Promise<void> {
  const last = batch[batch.length - 1]!;
  let reply: { rowId: string; text: string; replyTokens: number };
  try {
    reply = await outside.composeReply.executeWithOptions({ summary: `compose a reply to ${batch.length === 1 ? 'a message' : `${batch.length} messages`} from ${last.senderName ?? last.contactId}` }, [{
      session: last.session,
      chatId: last.chatId,
      isGroupChat: last.isGroupChat,
      meId: last.meId,
      answering: batch.map((message) => ({ messageId: message.messageId, body: message.body })),
      ltmIds: [...new Set(batch.map((message) => message.contactId))],
      claimToken: uuid4(),
    }]);
  } catch (error) {
    state.recordReplyFailure();
    log.error('no reply: the model call failed', { messageId: last.messageId, error: describeError(error) });
    return;
  }
  state.addTokens(reply.replyTokens);

  // Sent to the chat as WAHA named it; its id is remembered so WAHA's echo of it is dropped.
  try {
    const sent = await outside.sendReply.executeWithOptions({ summary: `send the reply to ${last.replyChatId} through WAHA` }, [{
      rowId: reply.rowId,
      session: last.session,
      chatId: last.replyChatId,
      text: reply.text,
      ...(last.isGroupChat ? { replyTo: last.messageId } : {}),
    }]);
    state.recordReplySent(sent.waId, reply.text, Date.now());
    if (!sent.recorded) await memory.markReplySent.executeWithOptions({ summary: 'record the WhatsApp id of the sent reply' }, [reply.rowId, sent]);
  } catch (error) {
    state.recordReplyFailure();
    log.error('reply stored but not delivered: WAHA sendText failed', { messageId: last.messageId, error: describeError(error) });
  }
}

/** Folds the conversation since the last summary into a new one; true when it was made. */
async function summarize(state: ChatState, input: ChatWorkflowInput): Promise<boolean> {
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
async function erase(state: ChatState, learning: BackgroundLearning, erasures: Erasures, input: ChatWorkflowInput): Promise<boolean> {
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
class Erasures {
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

/**
 * Long-term memory and fact extraction, off the reply's critical path. Facts are learned
 * one message at a time, so each extraction sees what the previous one stored.
 */
class BackgroundLearning {
  private readonly running = new Set<Promise<void>>();
  private facts: Promise<void> = Promise.resolve();

  constructor(private readonly state: ChatState) {}

  learnFrom(message: InboundMessage): void {
    const remembered: Promise<void> = outside
      .rememberMessage.executeWithOptions({ summary: `embed message ${message.waId} into long-term memory` }, [message])
      .then(noop, this.failed('rememberMessage', message))
      .finally(() => this.running.delete(remembered));
    this.running.add(remembered);
    this.facts = this.facts
      .then(() => outside.learnFacts.executeWithOptions({ summary: `learn facts about ${message.senderName ?? message.contactId}` }, [message]))
      .then(({ facts }) => facts && this.state.recordKnowledge(message.contactId, facts), this.failed('learnFacts', message));
  }

  /** A step that gave up is shown to operators (state query, Web UI details, chatmem inspect). */
  private failed(activity: string, message: InboundMessage) {
    return (error: unknown) => {
      const reason = describeError(error);
      this.state.recordLearningFailure({ activity, messageId: message.messageId, reason });
      setCurrentDetails(chatDetails(this.state.view()));
      log.warn(`${activity} gave up; the message stays in short-term memory`, { messageId: message.messageId, error: reason });
    };
  }

  /** Waits for everything started, so nothing is cut off by continue-as-new. */
  async settled(): Promise<void> {
    await Promise.all([...this.running, this.facts]);
  }
}

const noop = () => undefined;
