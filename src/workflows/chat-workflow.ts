import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { MemoryActivities, ReplyActivities } from '../activities/index.js';
import { ChatState, type ChatSnapshot, type ChatStateView } from '../domain/chat-state.js';
import { PERMANENT_FAILURE } from '../domain/failure-types.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { decideReply } from '../domain/reply-policy.js';

/** A WhatsApp message for this chat, as the webhook normalized it. */
export const inboundSignal = defineSignal<[InboundMessage]>('inbound');
/** Counts and queue of the chat, for operators and the Web UI. */
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
const outside = proxyActivities<ReplyActivities>({
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
  setHandler(inboundSignal, (message) => void state.accept(message));
  setHandler(stateQuery, () => state.view());

  for (;;) {
    await condition(() => state.hasPending() || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) break;
    await handleMessage(state, state.takeNext()!);
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof chatWorkflow>({ session: input.session, chatId: input.chatId, carried: state.snapshot() });
}

async function handleMessage(state: ChatState, message: InboundMessage): Promise<void> {
  // 1. Everything is stored, once, whichever chat form (@c.us / @lid) it arrived under.
  const { fresh, settings } = await memory.recordInbound(message, uuid4());
  if (!fresh) {
    state.recordDuplicate();
    return;
  }
  state.recordStored(message);

  // 2. Only a user's message is answered: never our own, never an echo of a reply.
  const decision = decideReply(message, settings);
  if (!decision.answer) return;

  // 3. The model answers from the chat's recent transcript; the reply is stored before it is sent.
  let reply: { rowId: string; text: string };
  try {
    reply = await outside.composeReply({
      session: message.session,
      chatId: message.chatId,
      isGroupChat: message.isGroupChat,
      meId: message.meId,
      inReplyTo: message.messageId,
      claimToken: uuid4(),
    });
  } catch (error) {
    state.recordReplyFailure();
    log.error('no reply: the model call failed', { messageId: message.messageId, error: String(error) });
    return;
  }

  // 4. Send it to the chat as WAHA named it, and remember its id: WAHA's fromMe echo of it is
  //    then dropped on arrival.
  try {
    const sent = await outside.sendReply({
      rowId: reply.rowId,
      session: message.session,
      chatId: message.replyChatId,
      text: reply.text,
      ...(message.isGroupChat ? { replyTo: message.messageId } : {}),
    });
    state.recordReplySent(sent.waId);
    if (!sent.recorded) await memory.markReplySent(reply.rowId, sent);
  } catch (error) {
    state.recordReplyFailure();
    log.error('reply stored but not delivered: WAHA sendText failed', { messageId: message.messageId, error: String(error) });
  }
}
