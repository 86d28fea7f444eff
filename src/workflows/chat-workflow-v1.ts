import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { chatDetails } from '../domain/chat-details.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import type { ChatState } from '../domain/chat-state.js';
import { describeError } from '../domain/describe-error.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { decideReply, isHumanTakeover } from '../domain/reply-policy.js';
import { memory, outside } from './activity-proxies.js';
import type { ChatWorkflowInput } from './chat-contract.js';
import { erase, replyRequestFor, summarize, type OpenChat } from './chat-steps.js';
import { LAST_INTERACTION } from './search-attributes.js';

/**
 * The chat workflow as it ran before one-task replies: a message is stored, then answered
 * by two activities (compose, send), and learned from one message at a time. Kept as it was,
 * so runs begun on it replay and finish on it; new runs take the shape in chat-workflow.ts.
 */
export async function chatWorkflowV1(input: ChatWorkflowInput, { state, erasures }: OpenChat): Promise<void> {
  const learning = new BackgroundLearning(state);
  const lastInteraction = new LastInteractionAttribute();

  for (;;) {
    setCurrentDetails(chatDetails(state.view(), state.memory().knowledge));
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
  await continueAsNew({ session: input.session, chatId: input.chatId, carried: state.snapshot() });
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
    const { replyChatId: _replyChatId, replyTo: _replyTo, ...compose } = replyRequestFor(batch, uuid4());
    reply = await outside.composeReply.executeWithOptions({ summary: `compose a reply to ${batch.length === 1 ? 'a message' : `${batch.length} messages`} from ${last.senderName ?? last.contactId}` }, [compose]);
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
      setCurrentDetails(chatDetails(this.state.view(), this.state.memory().knowledge));
      log.warn(`${activity} gave up; the message stays in short-term memory`, { messageId: message.messageId, error: reason });
    };
  }

  /** Waits for everything started, so nothing is cut off by continue-as-new. */
  async settled(): Promise<void> {
    await Promise.all([...this.running, this.facts]);
  }
}

const noop = () => undefined;
