import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { LearningActivities, MemoryActivities, ReplyActivities } from '../activities/index.js';
import { chatDetails } from '../domain/chat-details.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import { ChatState, type ChatSnapshot, type ChatStateView } from '../domain/chat-state.js';
import { PERMANENT_FAILURE } from '../domain/failure-types.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { decideReply, isHumanTakeover } from '../domain/reply-policy.js';

/** A WhatsApp message for this chat, as the webhook normalized it. */
export const inboundSignal = defineSignal<[InboundMessage]>('inbound');
/** Ends a human takeover early: the bot answers again from the next message on. */
export const resumeSignal = defineSignal('resume');
/** Counts, queue, summary and pause of the chat, for operators and the Web UI. */
export const stateQuery = defineQuery<ChatStateView>('state');

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
  const learning = new BackgroundLearning();
  setHandler(inboundSignal, (message) => void state.accept(message));
  setHandler(resumeSignal, () => state.resume());
  setHandler(stateQuery, () => state.view());

  for (;;) {
    setCurrentDetails(chatDetails(state.view()));
    await condition(() => state.hasPending() || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) break;

    // 1. Store what arrived; user messages close together become one batch (debounce).
    const { batch, settings } = await collectBatch(state, learning);

    // 2. Answer the batch, unless a human operator has the chat.
    if (batch.length && !state.isPaused(Date.now())) await answer(state, batch);

    // 3. A long conversation is summarized, and the chat continues as new from the summary.
    if (state.tokensSinceSummary() > settings.summaryTokenLimit && (await summarize(state, input))) break;
  }

  await learning.settled();
  await condition(allHandlersFinished);
  await continueAsNew<typeof chatWorkflow>({ session: input.session, chatId: input.chatId, carried: state.snapshot() });
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
  const { fresh, tokens, settings } = await memory.recordInbound(message, uuid4());
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
    reply = await outside.composeReply({
      session: last.session,
      chatId: last.chatId,
      isGroupChat: last.isGroupChat,
      meId: last.meId,
      answering: batch.map((message) => ({ messageId: message.messageId, body: message.body })),
      ltmIds: [...new Set(batch.map((message) => message.contactId))],
      claimToken: uuid4(),
    });
  } catch (error) {
    state.recordReplyFailure();
    log.error('no reply: the model call failed', { messageId: last.messageId, error: String(error) });
    return;
  }
  state.addTokens(reply.replyTokens);

  // Sent to the chat as WAHA named it; its id is remembered so WAHA's echo of it is dropped.
  try {
    const sent = await outside.sendReply({
      rowId: reply.rowId,
      session: last.session,
      chatId: last.replyChatId,
      text: reply.text,
      ...(last.isGroupChat ? { replyTo: last.messageId } : {}),
    });
    state.recordReplySent(sent.waId);
    if (!sent.recorded) await memory.markReplySent(reply.rowId, sent);
  } catch (error) {
    state.recordReplyFailure();
    log.error('reply stored but not delivered: WAHA sendText failed', { messageId: last.messageId, error: String(error) });
  }
}

/** Folds the conversation since the last summary into a new one; true when it was made. */
async function summarize(state: ChatState, input: ChatWorkflowInput): Promise<boolean> {
  try {
    const { summary } = await outside.summarizeChat({ session: input.session, chatId: input.chatId, claimToken: uuid4() });
    state.recordSummary(summary);
    return true;
  } catch (error) {
    log.error('summary failed; the chat goes on and tries again after the next message', { error: String(error) });
    return false;
  }
}

/**
 * Long-term memory and fact extraction, off the reply's critical path. Facts are learned
 * one message at a time, so each extraction sees what the previous one stored.
 */
class BackgroundLearning {
  private readonly running = new Set<Promise<void>>();
  private facts: Promise<void> = Promise.resolve();

  learnFrom(message: InboundMessage): void {
    const remembered: Promise<void> = outside
      .rememberMessage(message)
      .then(noop, failed('rememberMessage', message))
      .finally(() => this.running.delete(remembered));
    this.running.add(remembered);
    this.facts = this.facts.then(() => outside.learnFacts(message)).then(noop, failed('learnFacts', message));
  }

  /** Waits for everything started, so nothing is cut off by continue-as-new. */
  async settled(): Promise<void> {
    await Promise.all([...this.running, this.facts]);
  }
}

const noop = () => undefined;
function failed(activity: string, message: InboundMessage) {
  return (error: unknown) =>
    log.warn(`${activity} gave up; the message stays in short-term memory`, { messageId: message.messageId, error: String(error) });
}
