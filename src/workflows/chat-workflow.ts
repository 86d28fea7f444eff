import { msToNumber } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, setCurrentDetails, sleep, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { ChangedMessage, DeliveredReply, ReplyRequest, StoredAndReplied } from '../activities/index.js';
import { chatDetails } from '../domain/chat-details.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import type { ChatState } from '../domain/chat-state.js';
import { describeError } from '../domain/describe-error.js';
import { PERMANENT_FAILURE, type UnansweredReason } from '../domain/failure-types.js';
import type { InboundMessage, MessageChange } from '../domain/inbound-message.js';
import { mediaText, READ_KINDS, type MediaReading } from '../domain/media.js';
import { decideReply, isHumanTakeover } from '../domain/reply-policy.js';
import { answeringAtOnce, answeringInTurn, memory, outside, reading, replying, replyingUntilDeadline } from './activity-proxies.js';
import type { ChatWorkflowInput } from './chat-contract.js';
import { erase, openChat, replyRequestFor, summarize } from './chat-steps.js';
import { chatWorkflowV1 } from './chat-workflow-v1.js';
import { askPatchesAtStart, hasPatch } from './run-patches.js';
import { LAST_INTERACTION } from './search-attributes.js';

export * from './chat-contract.js';

/** Messages stored by one step at most, so one step's input and result stay small. */
const ARRIVALS_PER_STEP = 100;
/** Queued messages answered in turn by one step at most. */
const ROUNDS_PER_STEP = 10;
/** User messages learned from by one embeddings call and one fact extraction per speaker at most. */
const LEARNING_BATCH = 100;
/** Text that continue-as-new carries to the next run to learn at most; past it, the oldest are learned first (a run's input stays well under Temporal's payload limits). */
const CARRIED_LEARNING_CHARS = 200_000;
/** LEARNING_PAUSE's default, for settings read by a run of an earlier version that had none. */
const DEFAULT_LEARNING_PAUSE_MS = 5_000;
/** How long the operator's settings are used before they are read again (a changed value applies within this). */
const SETTINGS_MAX_AGE_MS = 60_000;
/** Under load, LastInteraction moves in steps of at least this much; an idle chat shows the exact time. */
const LAST_INTERACTION_STEP_SECONDS = 60;
/** The reply step's first backoff (activity-proxies' initialInterval), kept after a failed first try. */
const FIRST_BACKOFF_MS = 1_000;
/** REPLY_DEADLINE's default, for settings read by a run of an earlier version that had none. */
const DEFAULT_REPLY_DEADLINE_MS = 60 * 60_000;

/**
 * One chat, one workflow: messages are handled in the order they arrived. What arrived is
 * stored in one step and each answer is one step (messages that queued meanwhile share one),
 * inside the workflow task the messages woke, so a reply costs one workflow task. Learning
 * follows in batches.
 */
export async function chatWorkflow(input: ChatWorkflowInput): Promise<void> {
  const chat = openChat(input);
  askPatchesAtStart(chat.lateResults !== null);
  // Runs begun before one-task replies replay, and finish, on the shape they were recorded with.
  if (!hasPatch('one-task-reply')) return chatWorkflowV1(input, chat);
  const { state, erasures, lateResults } = chat;
  const learning = new BatchedLearning(state);
  // What the previous run left to learn is learned first, without a pause: it has waited.
  if (input.learning?.length) learning.carryIn(input.learning);
  const lastInteraction = new LastInteractionAttribute();
  const settings = new OperatorSettings(input.settings);

  for (;;) {
    setCurrentDetails(chatDetails(state.view(), state.memory().knowledge));
    await condition(() => state.hasPending() || state.hasRetries() || erasures.waiting() || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) break;

    // 0. An operator's erase request goes first; an erased chat starts over as a new run.
    if (erasures.waiting()) {
      if (await erase(state, learning, erasures, input)) break;
      continue;
    }
    const current = await settings.current();

    // 1. Messages an operator asked to answer again (`chatmem retry`): one reply to them all, before newer ones.
    const retry = state.takeRetries();
    if (retry) await answer(state, retry.messages, current, { again: { claimToken: retry.claimToken, from: Date.now() } });
    if (!state.hasPending()) continue;

    // 2. Store everything that arrived; user messages close together become one batch (debounce).
    //    Without a debounce window, the message that ends what arrived is answered in the same step.
    const { toAnswer, firstTry } = await storeArrivals(state, learning, current);

    // 3. What users said goes to long-term memory and knowledge in the background, a batch at a time.
    learning.flush(current.learningPauseMs ?? DEFAULT_LEARNING_PAUSE_MS);

    // 4. Answer the batch, unless a human operator has the chat.
    if (toAnswer.length && !state.isPaused(Date.now())) await answer(state, toAnswer, current, firstTry);
    lastInteraction.show(state.lastInteraction(), { idle: !state.hasPending() });

    // 5. A long conversation is summarized, and the chat continues as new from the summary.
    if (state.tokensSinceSummary() > current.summaryTokenLimit && (await summarize(state, input))) break;
  }

  // What still waits to be learned goes to the next run, so the chat answers on at once; runs
  // recorded before this learned it all first.
  const unlearned = hasPatch('learning-carried-over') ? await learning.handOver() : (await learning.settled(), []);
  await lateResults?.allApplied();
  await condition(allHandlersFinished);
  await continueAsNew<typeof chatWorkflow>({ session: input.session, chatId: input.chatId, carried: state.snapshot(), ...(unlearned.length ? { learning: unlearned } : {}) });
}

/**
 * Stores what arrived and, while user messages keep coming within the debounce window, the
 * ones after it. Returns the user messages to answer.
 */
async function storeArrivals(state: ChatState, learning: BatchedLearning, settings: ChatSettings): Promise<Stored> {
  if (settings.debounceMs <= 0) return storeQueued(state, learning, settings, { answerAtOnce: true });
  const { toAnswer } = await storeQueued(state, learning, settings);
  if (!toAnswer.length) return { toAnswer };
  if (!hasPatch('debounce-by-sleep')) {
    while (await condition(() => state.hasPending(), settings.debounceMs)) toAnswer.push(...(await storeQueued(state, learning, settings)).toAnswer);
    return { toAnswer };
  }
  // A wait for "a message or the window's end" cancels its timer when a message comes, and
  // sdk-core fails a task whose cancel crosses that timer's firing (seen under a flood).
  // Sleeping to the end of the window after the latest message never cancels a timer.
  const windowLeft = () => (state.lastAccepted() ?? 0) + settings.debounceMs - Date.now();
  for (let wait = windowLeft(); wait > 0; wait = windowLeft()) {
    await sleep(wait);
    if (state.hasPending()) toAnswer.push(...(await storeQueued(state, learning, settings)).toAnswer);
  }
  return { toAnswer };
}

/** The user messages still to answer, and what a failed first try at their reply leaves to the reply step. */
interface Stored {
  toAnswer: InboundMessage[];
  firstTry?: Pick<AnswerOptions, 'claimToken' | 'notBefore' | 'failure'>;
}

/**
 * Everything is stored, once, whichever chat form (@c.us / @lid) it arrived under. With
 * `answerAtOnce`, the last message, when it is to be answered, is answered in the same step
 * (one try: if it fails, the reply step answers it as usual, and retries); so are the
 * messages that queued after it, each in turn (`answerInTurn`).
 */
async function storeQueued(state: ChatState, learning: BatchedLearning, settings: ChatSettings, { answerAtOnce = false } = {}): Promise<Stored> {
  // Without debounce each user message is answered from the transcript as it stood when it came:
  // a step stores what arrived up to the next message to answer, never past it.
  const taken = settings.debounceMs > 0 ? state.takeUpTo(ARRIVALS_PER_STEP) : state.takeThrough(toBeAnswered(settings), ARRIVALS_PER_STEP);
  const arrivals = taken.some((message) => message.media) && hasPatch('media-as-text') ? await Promise.all(taken.map(withMediaAsText)) : taken;
  const readsChanges = arrivals.some((message) => message.change) && hasPatch('message-changes');
  const steps = withClaimTokens(arrivals);
  const what = storing(arrivals.length);
  let atOnce: ({ claimToken: string } & TriedAtOnce) | null = null;
  if (answerAtOnce && answersAtOnce(state, arrivals, settings) && hasPatch('store-and-reply')) {
    const last = arrivals[arrivals.length - 1]!;
    const request = replyRequestFor([last], uuid4());
    // A task tried again after a crash may find more messages queued than the first try did:
    // each round's claim tokens (its messages', then its reply's) are made after the round
    // before's, as when each was a step of its own, so a round gets the same ones however many
    // rounds a try takes, and what the first try stored or sent is found, not done again.
    const later = takeLaterRounds(state, settings, ARRIVALS_PER_STEP - arrivals.length).map(claimedRound);
    if (later.length) return answerInTurn(state, learning, settings, [{ steps, request }, ...later]);
    atOnce = { claimToken: request.claimToken, ...(await tryOnce(() => answeringAtOnce.storeAndReply.executeWithOptions({ summary: `${what}, ${replySummary([last])}` }, [{ arrivals: steps, reply: { ...request, deadlineMs: replyDeadline([last], settings) } }]), last)) };
  }
  // After a failed try, what it stored is found again by the claim tokens.
  const recorded = atOnce?.done?.stored ?? (await record(steps));
  const toAnswer = applyStored(state, learning, settings, steps, recorded, readsChanges);
  if (!atOnce) return { toAnswer };
  if (!atOnce.done) return leftToReplyStep(state, toAnswer, atOnce.claimToken, atOnce);
  if (atOnce.done.reply) await recordDelivered(state, atOnce.done.reply);
  return { toAnswer: [] };
}

/** A message with the claim token its storing is found again by, on a retry or a replay. */
type ClaimedArrival = { message: InboundMessage; claimToken: string };

const toBeAnswered = (settings: ChatSettings) => (message: InboundMessage) => decideReply(message, settings).answer;

function withClaimTokens(arrivals: InboundMessage[]): ClaimedArrival[] {
  return arrivals.map((message) => ({ message, claimToken: uuid4() }));
}

/** A round of queued messages answered in turn: its messages with their claim tokens, and its reply's. */
interface ClaimedRound {
  steps: ClaimedArrival[];
  request: ReplyRequest;
}

function claimedRound(arrivals: InboundMessage[]): ClaimedRound {
  const steps = withClaimTokens(arrivals);
  return { steps, request: replyRequestFor([arrivals[arrivals.length - 1]!], uuid4()) };
}

/** The storing step, on its own: retried for as long as it takes. */
function record(steps: ClaimedArrival[]) {
  return memory.recordArrivals.executeWithOptions({ summary: storing(steps.length) }, [steps]);
}

const storing = (count: number) => `store ${count === 1 ? 'a message' : `${count} messages`}`;

/** What the stored messages change in the chat's state; returns the ones to answer. */
function applyStored(state: ChatState, learning: BatchedLearning, settings: ChatSettings, steps: ClaimedArrival[], recorded: StoredAndReplied['stored'], readsChanges = false): InboundMessage[] {
  const toAnswer: InboundMessage[] = [];
  steps.forEach(({ message }, index) => {
    const { fresh, tokens, rejected, changed } = recorded[index]!;
    // The database will never take this one: it is shown to operators, and the next message is handled.
    if (rejected) return state.recordRejected(message, rejected);
    if (message.change && readsChanges) return applyChange(state, learning, { ...message, change: message.change }, changed ?? null);
    if (!fresh) return state.recordDuplicate();
    state.recordStored(message, tokens);
    // Only what users say goes into long-term memory and knowledge; the bot's own words never do.
    if (!message.fromMe) learning.add(message);
    if (isHumanTakeover(message)) state.pause(Date.now() + settings.takeoverPauseMs);
    if (decideReply(message, settings).answer) toAnswer.push(message);
  });
  return toAnswer;
}

/**
 * After a failed first try, the reply step answers (after the wait the failure asked for),
 * unless the model or WAHA refused the request: asking again would get the same answer.
 */
async function leftToReplyStep(state: ChatState, toAnswer: InboundMessage[], claimToken: string, tried: Omit<TriedAtOnce, 'done'>): Promise<Stored> {
  if (!tried.refused) return { toAnswer, firstTry: { claimToken, notBefore: Date.now() + tried.retryAfterMs, failure: tried.failure } };
  if (toAnswer.length) await keepUnanswered(state, toAnswer, claimToken, 'refused', `refused: ${tried.refused}`);
  return { toAnswer: [] };
}

/**
 * The messages queued behind the first to answer, each with what arrived before it, that can
 * be answered in the same step: at most ROUNDS_PER_STEP answers and `room` messages, none
 * with media to read first. None in runs recorded before.
 */
function takeLaterRounds(state: ChatState, settings: ChatSettings, room: number): InboundMessage[][] {
  const rounds: InboundMessage[][] = [];
  for (let left = room; rounds.length < ROUNDS_PER_STEP - 1 && left > 0; ) {
    const next = state.peekThrough(toBeAnswered(settings), left);
    if (!next.length || next.some((message) => message.media) || !answersAtOnce(state, next, settings)) break;
    if (!rounds.length && !hasPatch('answers-in-turn')) break;
    rounds.push(state.takeUpTo(next.length));
    left -= next.length;
  }
  return rounds;
}

/**
 * Messages that queued while the chat was busy (a burst, a slow model), each answered from the
 * transcript as it stood when it came, in one step instead of one each: the same claim tokens,
 * the same order, one reply each. When the step stops early, the message it stopped at is
 * stored (found again by its claim tokens) and left to the reply step, and the ones after it
 * go back to the queue.
 */
async function answerInTurn(state: ChatState, learning: BatchedLearning, settings: ChatSettings, claimed: ClaimedRound[]): Promise<Stored> {
  const rounds = claimed.map(({ steps }) => steps);
  const requests = claimed.map(({ steps, request }) => ({ arrivals: steps, reply: { ...request, deadlineMs: replyDeadline([steps[steps.length - 1]!.message], settings) } }));
  const first = rounds[0]!.at(-1)!.message;
  const summary = `store and answer ${rounds.length} queued messages in turn, from ${first.senderName ?? first.contactId}, each sent through WAHA`;
  const tried = await tryOnce(() => answeringInTurn.storeAndReplyInTurn.executeWithOptions({ summary }, [requests]), first);
  const done = tried.done?.done ?? [];
  for (const [index, result] of done.entries()) {
    applyStored(state, learning, settings, rounds[index]!, result.stored);
    if (result.reply) await recordDelivered(state, result.reply);
  }
  if (done.length === rounds.length) return { toAnswer: [] };
  const stopped = done.length;
  state.putBack(rounds.slice(stopped + 1).flatMap((steps) => steps.map(({ message }) => message)));
  // Out of time, the step began no reply to the next message (side by side, it gave it back stored): it goes back to the queue too.
  if (tried.done && !tried.done.stoppedBy) {
    state.putBack(rounds[stopped]!.map(({ message }) => message));
    return { toAnswer: [] };
  }
  const toAnswer = applyStored(state, learning, settings, rounds[stopped]!, await record(rounds[stopped]!));
  const failure = tried.done ? { retryAfterMs: FIRST_BACKOFF_MS, failure: tried.done.stoppedBy } : tried;
  return leftToReplyStep(state, toAnswer, requests[stopped]!.reply.claimToken, failure);
}

interface TriedAtOnce<T = StoredAndReplied> {
  done: T | null;
  /** Why the model or WAHA refused the request, if they did. */
  refused?: string;
  /** How long the reply step waits before its first attempt: what the failure asked for (Retry-After), else Temporal's first backoff. */
  retryAfterMs: number;
  /** Why it failed, shown while the reply step retries. */
  failure?: string;
}

/**
 * One try at a step that stores and answers. When it fails, `done` is null and the reply
 * step, which retries until REPLY_DEADLINE, takes over, unless the failure was a refusal.
 */
async function tryOnce<T>(step: () => Promise<T>, answering: InboundMessage): Promise<TriedAtOnce<T>> {
  try {
    return { done: await step(), retryAfterMs: 0 };
  } catch (error) {
    if (isRefusal(error)) return { done: null, refused: describeError(error), retryAfterMs: 0 };
    log.warn('storing and answering in one step failed; the reply step takes over', { messageId: answering.messageId, error: describeError(error) });
    return { done: null, retryAfterMs: retryAfterOf(error) ?? FIRST_BACKOFF_MS, failure: describeError(error) };
  }
}

/**
 * Whether the message that ends what arrived can be answered in the step that stores it:
 * nothing in between could change the decision (a person typing on the bot's phone, an
 * edit, a chat already paused, a reply already past its deadline).
 */
function answersAtOnce(state: ChatState, arrivals: InboundMessage[], settings: ChatSettings): boolean {
  const last = arrivals[arrivals.length - 1];
  if (!last || !decideReply(last, settings).answer) return false;
  if (arrivals.some((message) => message.change || isHumanTakeover(message))) return false;
  return !state.isPaused(Date.now()) && Date.now() < replyDeadline([last], settings);
}

/**
 * An edit or deletion, once the transcript holds it: what users said is unlearned and learned
 * again in the background, after what came before it. A change to a message chatmem never
 * had changes nothing (it is counted).
 */
function applyChange(state: ChatState, learning: BatchedLearning, message: InboundMessage & { change: MessageChange }, changed: ChangedMessage | null): void {
  if (!changed) return;
  state.recordChange(message, changed);
  // Learning names the changed message, not the event that changed it.
  const target = { ...message, messageId: changed.messageId, waId: message.change.targetWaId, timestamp: changed.timestamp, actorId: changed.actorId, contactId: changed.actorId };
  if (!message.fromMe && (message.change.kind === 'revoked' || !changed.deleted)) learning.add(target);
}

/**
 * A voice note is stored as its transcript, an image as its description (with the caption),
 * other media as what it is. Only what users send is read; a reading that fails leaves a
 * placeholder that says why, and never holds the chat up.
 */
async function withMediaAsText(message: InboundMessage): Promise<InboundMessage> {
  const { media, ...rest } = message;
  if (!media) return message;
  let read: MediaReading | null = null;
  if (!message.fromMe && READ_KINDS.has(media.kind)) {
    read = await reading.readMedia
      .executeWithOptions({ summary: `${media.kind === 'image' ? 'describe the image' : 'transcribe the voice note'} ${message.waId}` }, [message])
      .catch((error: unknown) => ({ ok: false as const, reason: describeError(error) }));
  }
  return { ...rest, body: mediaText(media, message.body, read) };
}

/**
 * The model answers from summary, memory and transcript; the reply is stored, then sent, in
 * one step. Failing outside calls are retried until REPLY_DEADLINE after the batch's first
 * message reached chatmem (or after an operator's retry); then, or when the model or WAHA
 * refuses the request, the batch is kept as unanswered for `chatmem retry`.
 */
async function answer(state: ChatState, batch: InboundMessage[], settings: ChatSettings, { again, claimToken, notBefore, failure }: AnswerOptions = {}): Promise<void> {
  const last = batch[batch.length - 1]!;
  const request = replyRequestFor(batch, again?.claimToken ?? claimToken ?? uuid4());
  const summary = replySummary(batch);
  // Runs that began before the deadline gave up after eight attempts; their histories replay so.
  if (!hasPatch('reply-deadline')) return answerWithinAttempts(state, request, summary);

  const deadlineMs = replyDeadline(batch, settings, again);
  const giveUp = (reason: UnansweredReason, detail: string) => keepUnanswered(state, batch, request.claimToken, reason, detail);
  if (Date.now() >= deadlineMs) return giveUp('too_old', `older than REPLY_DEADLINE when its turn came`);

  state.startWaiting(batch.length, Date.now(), failure);
  setCurrentDetails(chatDetails(state.view(), state.memory().knowledge));
  try {
    // After a failed first try, the reply step waits as a retry would.
    if (notBefore !== undefined && notBefore > Date.now()) await sleep(notBefore - Date.now());
    const reply = await replyingUntilDeadline.reply.executeWithOptions({ summary }, [{ ...request, deadlineMs }]);
    await recordDelivered(state, reply);
  } catch (error) {
    await (isRefusal(error) ? giveUp('refused', `refused: ${describeError(error)}`) : giveUp('deadline', describeError(error)));
  } finally {
    state.stopWaiting();
  }
}

interface AnswerOptions {
  /** An operator's retry: the claim token of the given-up reply, and when the retry was asked for. */
  again?: { claimToken: string; from: number };
  /** The claim token a first try at this reply used: what it stored or sent is found, not done again. */
  claimToken?: string;
  /** After a failed first try: not before this (ms since the epoch). */
  notBefore?: number;
  /** After a failed first try: why it failed. */
  failure?: string;
}

/** How the reply step reads on the Web UI's timeline. */
function replySummary(batch: InboundMessage[]): string {
  const last = batch[batch.length - 1]!;
  return `compose a reply to ${batch.length === 1 ? 'a message' : `${batch.length} messages`} from ${last.senderName ?? last.contactId} and send it through WAHA`;
}

/** When the batch's reply may last be sent: REPLY_DEADLINE after its first message reached chatmem, or after an operator's retry. */
function replyDeadline(batch: InboundMessage[], settings: ChatSettings, again?: { from: number }): number {
  return (again?.from ?? batch[0]!.receivedAt ?? Date.now()) + (settings.replyDeadlineMs ?? DEFAULT_REPLY_DEADLINE_MS);
}

/** A batch given up on is kept, shown and counted, for `chatmem retry`. */
async function keepUnanswered(state: ChatState, batch: InboundMessage[], claimToken: string, reason: UnansweredReason, detail: string): Promise<void> {
  state.recordUnanswered({ messages: batch, claimToken, reason: detail, at: new Date().toISOString() });
  await memory.countUnanswered.executeWithOptions({ summary: `count ${batch.length} unanswered: ${reason}` }, [reason, batch.length]);
  log.error('no reply: given up; `chatmem retry` answers it once the cause is fixed', { messageId: batch[batch.length - 1]!.messageId, reason: detail });
}

/** The shape runs begun before REPLY_DEADLINE answer with: eight attempts, then a log line. */
async function answerWithinAttempts(state: ChatState, request: ReplyRequest, summary: string): Promise<void> {
  try {
    await recordDelivered(state, await replying.reply.executeWithOptions({ summary }, [request]));
  } catch (error) {
    state.recordReplyFailure();
    log.error('no reply: the model call or WAHA sendText failed', { messageId: request.answering.at(-1)!.messageId, error: describeError(error) });
  }
}

/** Each message the reply went out as is remembered, so its echo is dropped; an id not yet stored is stored now. */
async function recordDelivered(state: ChatState, reply: DeliveredReply): Promise<void> {
  state.addTokens(reply.replyTokens);
  const parts = reply.parts ?? [reply];
  for (const part of parts) state.recordReplySent(part.waId, part.text, Date.now());
  for (const part of parts) {
    const which = parts.length === 1 ? 'the sent reply' : 'a message of the sent reply';
    if (!part.recorded) await memory.markReplySent.executeWithOptions({ summary: `record the WhatsApp id of ${which}` }, [part.rowId, { messageId: part.messageId, waId: part.waId }]);
  }
}

/** The operator's settings, read at the start of a run and again once they are a minute old. */
class OperatorSettings {
  private readAt = Date.now();

  /** `value`: the settings the run was started with (an eager start); null: read at first use. */
  constructor(private value: ChatSettings | null = null) {}

  async current(): Promise<ChatSettings> {
    if (!this.value || Date.now() - this.readAt >= SETTINGS_MAX_AGE_MS) {
      this.value = await memory.chatSettings.executeWithOptions({ summary: 'read the operator settings' }, []);
      this.readAt = Date.now();
    }
    return this.value;
  }
}

/** Keeps the LastInteraction search attribute current, so the Web UI can sort and filter chats by it. */
class LastInteractionAttribute {
  private shown: number | null = null;

  show(last: number | null, { idle }: { idle: boolean }): void {
    if (last === null || last === this.shown) return;
    if (!idle && this.shown !== null && last - this.shown < LAST_INTERACTION_STEP_SECONDS) return;
    upsertSearchAttributes([{ key: LAST_INTERACTION, value: new Date(last * 1000) }]);
    this.shown = last;
  }
}

/**
 * Long-term memory and fact extraction, off the reply's path: what users said since the
 * last batch goes in one embeddings call and one fact extraction per speaker. One batch
 * at a time, so each extraction sees what the previous one stored, and what waits meanwhile
 * is shown as the chat's learning backlog.
 */
class BatchedLearning {
  private readonly pending: InboundMessage[] = [];
  /** When each pending message began to wait (workflow time), in the same order. */
  private readonly waitingSince: number[] = [];
  private running: Promise<void> | null = null;
  private inFlight = 0;
  /** Set while something waits for learning to settle, or the previous run's messages start: no pause then. */
  private hurry = false;
  /** Ends the current pause early. */
  private wake: (() => void) | null = null;
  private oneStepPatched: boolean | undefined;
  private fromOldestPatched: boolean | undefined;
  /** Set once what waits is handed to the next run: no batch starts any more. */
  private handingOver = false;
  private pauseMs = DEFAULT_LEARNING_PAUSE_MS;

  constructor(private readonly state: ChatState) {}

  add(message: InboundMessage): void {
    this.pending.push(message);
    this.waitingSince.push(Date.now());
    this.showBacklog();
  }

  /**
   * Starts the next batch unless one is running; a finished batch starts the next itself.
   * A batch starts after a pause (LEARNING_PAUSE), so what a chat says close together is
   * learned together and the replies in between do not share the machine with learning.
   */
  flush(pauseMs?: number): void {
    if (pauseMs !== undefined) this.pauseMs = pauseMs;
    if (this.running || this.pending.length === 0 || this.handingOver) return;
    this.running = (async () => {
      const pauseMs = this.oneStep && !this.hurry ? this.pauseLeft() : 0;
      if (pauseMs > 0) await Promise.race([sleep(pauseMs), new Promise<void>((resolve) => (this.wake = resolve))]);
      this.wake = null;
      if (!this.handingOver) await this.learnNextBatch();
    })().finally(() => {
      this.running = null;
      this.inFlight = 0;
      this.flush();
      this.showBacklog();
      setCurrentDetails(chatDetails(this.state.view(), this.state.memory().knowledge));
    });
  }

  /** Waits until everything added is learned, without pauses, so nothing is cut off by continue-as-new or an erase. */
  async settled(): Promise<void> {
    this.hurry = true;
    this.wake?.();
    this.flush();
    await condition(() => this.running === null && this.pending.length === 0);
    this.hurry = false;
  }

  /** The previous run's unlearned messages, learned at once. */
  carryIn(messages: InboundMessage[]): void {
    this.pending.push(...messages);
    this.waitingSince.push(...messages.map(() => Date.now()));
    this.showBacklog();
    // A batch decides on its pause as it starts: this one starts now, and takes none.
    this.hurry = true;
    this.flush();
    this.hurry = false;
  }

  /**
   * Before continue-as-new: starts no more batches, lets the one in flight finish, and
   * returns what still waits, for the next run. Past what a run's input should carry, the
   * oldest are learned here first.
   */
  async handOver(): Promise<InboundMessage[]> {
    this.handingOver = true;
    this.wake?.();
    await condition(() => this.running === null);
    while (this.pending.reduce((chars, message) => chars + (message.body?.length ?? 0), 0) > CARRIED_LEARNING_CHARS) {
      await this.learnNextBatch();
      this.inFlight = 0;
    }
    this.waitingSince.splice(0);
    return this.pending.splice(0);
  }

  /** Batches start after a pause and are learned in one step (one activity); runs recorded before learned each batch at once, in two steps. */
  private get oneStep(): boolean {
    return (this.oneStepPatched ??= hasPatch('learning-after-a-pause'));
  }

  /**
   * LEARNING_PAUSE counts from when the oldest waiting message began to wait, which may have
   * been while the batch before was learned (a busy chat otherwise waited a whole pause more
   * after each batch); a full batch waiting has nothing to wait for. Runs recorded before
   * paused anew before each batch.
   */
  private pauseLeft(): number {
    if (!(this.fromOldestPatched ??= hasPatch('learning-pause-from-oldest'))) return this.pauseMs;
    if (this.pending.length >= LEARNING_BATCH) return 0;
    return Math.max(0, this.waitingSince[0]! + this.pauseMs - Date.now());
  }

  private async learnNextBatch(): Promise<void> {
    const batch = this.pending.splice(0, LEARNING_BATCH);
    this.waitingSince.splice(0, batch.length);
    this.inFlight = batch.length;
    await this.learn(batch);
  }

  /** New messages first, in one embeddings call and one extraction per speaker; then edits and deletions, in order. */
  private async learn(batch: InboundMessage[]): Promise<void> {
    const changes = batch.filter((message) => message.change);
    const said = changes.length ? batch.filter((message) => !message.change) : batch;
    const what = (messages: InboundMessage[]) => (messages.length === 1 ? `message ${messages[0]!.waId}` : `${messages.length} messages`);
    const known = ({ knowledge }: { knowledge: Record<string, string[]> }) => Object.entries(knowledge).forEach(([contactId, facts]) => this.state.recordKnowledge(contactId, facts));
    if (said.length && this.oneStep) {
      const learned = await outside.learnFromBatch.executeWithOptions({ summary: `learn from ${what(said)}: long-term memory and facts` }, [said]).catch(this.failed('learnFromBatch', said));
      if (learned) {
        known(learned);
        for (const { step, reason } of learned.refused) this.failed(step, said)(reason);
      }
    } else if (said.length) {
      await Promise.all([
        outside.rememberMessage.executeWithOptions({ summary: `embed ${what(said)} into long-term memory` }, [said]).then(noop, this.failed('rememberMessage', said)),
        outside.learnFactsFromBatch.executeWithOptions({ summary: `learn facts from ${what(said)}` }, [said]).then(known, this.failed('learnFacts', said)),
      ]);
    }
    if (changes.length) {
      const summary = `unlearn what ${changes.length === 1 ? `the ${changes[0]!.change!.kind} message ${changes[0]!.waId}` : `${changes.length} edited or deleted messages`} taught`;
      await outside.applyMessageChanges.executeWithOptions({ summary }, [changes]).then(known, this.failed('applyMessageChanges', changes));
    }
  }

  private showBacklog(): void {
    this.state.setLearningBacklog(this.pending.length + this.inFlight);
  }

  /** A step that gave up is shown to operators (state query, Web UI details, chatmem inspect). */
  private failed(activity: string, batch: InboundMessage[]) {
    return (error: unknown) => {
      const reason = typeof error === 'string' ? error : describeError(error);
      for (const message of batch) this.state.recordLearningFailure({ activity, messageId: message.messageId, reason });
      log.warn(`${activity} gave up; the messages stay in short-term memory`, { messages: batch.length, messageId: batch[0]!.messageId, error: reason });
    };
  }
}

const noop = () => undefined;

/** The model or WAHA said the request itself is wrong: another attempt would get the same answer. */
function isRefusal(error: unknown): boolean {
  const failure = failureOf(error);
  return failure instanceof ApplicationFailure && failure.type === PERMANENT_FAILURE;
}

/** The wait an outside service asked for (Retry-After), as the failure carries it across the SDK. */
function retryAfterOf(error: unknown): number | undefined {
  const failure = failureOf(error);
  if (!(failure instanceof ApplicationFailure)) return undefined;
  // The decoded failure keeps it in its proto only.
  return failure.nextRetryDelay !== undefined ? msToNumber(failure.nextRetryDelay) : optionalTsToMs(failure.failure?.applicationFailureInfo?.nextRetryDelay);
}

/** The activity's own failure: a local activity that may not be retried at all fails with it, not wrapped. */
function failureOf(error: unknown): unknown {
  return error instanceof ActivityFailure ? error.cause : error;
}
