import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DEADLINE_PASSED } from '../domain/failure-types.js';
import type { LlmClient } from '../clients/llm-client.js';
import { countTokens } from '../clients/tokenizer.js';
import type { SendTextRequest, WahaClient } from '../clients/waha-client.js';
import { assembleContext } from '../domain/context.js';
import type { SentMessageId } from '../domain/waha-send-result.js';
import { embedText, type EmbeddingDeps } from './embedding.js';
import { stageTimer } from '../observability/metrics.js';
import type { MemoryDeps } from './memory-activities.js';
import { callOutside } from './outside-call.js';
import { recallEarlierMessages } from './recall-earlier-messages.js';
import { createReplyPresence, type PresenceDeps } from './reply-presence.js';
import { mentioning, splitReply } from '../domain/reply-pacing.js';
import type { StoredReplyPart } from '../stores/sql/stm-repository.js';

export interface ReplyDeps extends MemoryDeps, PresenceDeps, EmbeddingDeps {
  llm: LlmClient;
  waha: WahaClient;
}

export interface ComposeReplyRequest {
  session: string;
  chatId: string;
  isGroupChat: boolean;
  meId: string;
  /** The message(s) answered together, oldest first; the reply is linked to the last. */
  answering: { messageId: string; body: string | null }[];
  /** Whose knowledge to recall: the person, or in a group the speakers answered. */
  ltmIds: string[];
  /** Same for every attempt of this handling: a retry finds the reply it already stored. */
  claimToken: string;
}

export interface ComposedReply {
  rowId: string;
  text: string;
  /** Tokens of the prompt as sent (0 when an earlier attempt had already composed it). */
  promptTokens: number;
  replyTokens: number;
}

/** A sendText of a stored reply (`rowId`). */
export interface SendReplyRequest extends SendTextRequest {
  rowId: string;
}

/**
 * The model's reply to the batch, from summary, knowledge, recalled memories and recent
 * transcript (through the message answered) under the token budget; nothing is stored.
 */
export async function composeText(deps: ReplyDeps, request: ComposeReplyRequest): Promise<{ text: string; promptTokens: number }> {
  const { stm, llm, ltm, embedder } = deps;
  const settings = deps.settings.context;
  const chat = { session: request.session, chatId: request.chatId };
  const query = request.answering.map((message) => message.body ?? '').join('\n');
  const [{ window, summary, coversTo, otherIds }, queryVector] = await Promise.all([
    stm.promptTranscript(chat, settings.stmWindow, request.answering.at(-1)?.messageId, request.ltmIds),
    query.trim() ? embedText(embedder, query) : Promise.resolve(null),
  ]);
  const inPrompt = new Set(window.map((line) => line.messageId).filter((id): id is string => !!id));
  // A chat whose whole transcript the prompt holds has nothing earlier to recall: most chats
  // are short, and each search costs a full-text and a vector query per reply.
  const wholeChatInPrompt = window.length < settings.stmWindow && coversTo === null;
  const [memories, knowledge] = await Promise.all([
    wholeChatInPrompt
      ? []
      : recallEarlierMessages(
          { stm, ltm },
          { chat, isGroupChat: request.isGroupChat, query, queryVector, mode: settings.recall, limit: settings.ltmTopK, shownMessageIds: inPrompt },
        ),
    queryVector ? ltm.relevantFacts(request.ltmIds, queryVector, settings.knowledgeTopK, otherIds) : [],
  ]);
  const context = assembleContext({
    systemPrompt: settings.systemPrompt,
    isGroupChat: request.isGroupChat,
    summary,
    knowledge,
    memories,
    window,
    mustKeep: request.answering.length,
    budgetTokens: settings.contextTokenBudget,
    countTokens,
  });
  const { text } = await callOutside(() => llm.complete(context.messages, { maxTokens: settings.replyMaxTokens }));
  return { text, promptTokens: context.tokens };
}

/**
 * The reply's steps. `reply` runs them all as one local activity (the current workflow);
 * `composeReply` and `sendReply` are the two activities runs begun before it still call.
 */
export function createReplyActivities(deps: ReplyDeps) {
  const { stm, waha, metrics, pacing } = deps;
  const stage = stageTimer(metrics);
  const presence = createReplyPresence(deps);

  const replyRecord = (request: ComposeReplyRequest) => ({
    session: request.session,
    chatId: request.chatId,
    meId: request.meId,
    inReplyTo: request.answering[request.answering.length - 1]!.messageId,
    claimToken: request.claimToken,
    at: Date.now(),
  });

  /**
   * Sends the reply, unless an earlier attempt that may have reached WAHA did: WAHA has no
   * idempotency key, so such a retry first looks for the reply among the chat's messages.
   */
  async function deliver(request: SendReplyRequest, earlierAttempt: { sinceMs: number } | null, beforeSend?: () => Promise<void>): Promise<SentMessageId & { recorded: boolean }> {
    const found = earlierAttempt ? await findEarlierSend(request, earlierAttempt.sinceMs) : null;
    if (!found) await beforeSend?.();
    const sent = found ?? (await callOutside(() => waha.sendText({ session: request.session, chatId: request.chatId, text: request.text, replyTo: request.replyTo, mentions: request.mentions })));
    try {
      await stm.markReplySent(request.rowId, sent);
      return { ...sent, recorded: true };
    } catch (error) {
      log.warn('reply sent, its WhatsApp id not yet recorded', { rowId: request.rowId, error: String(error) });
      return { ...sent, recorded: false };
    }
  }

  async function findEarlierSend(request: SendReplyRequest, sinceMs: number): Promise<SentMessageId | null> {
    const candidates = await callOutside(() => waha.findSentText({ session: request.session, chatId: request.chatId, text: request.text, sinceMs }));
    if (candidates === null) {
      metrics?.sendChecks.inc({ outcome: 'unverifiable' });
      log.warn('WAHA cannot list the chat messages: the reply is sent again, and the person may see it twice', { rowId: request.rowId });
      return null;
    }
    const taken = await stm.idsOfOtherReplies(request.session, candidates.map((sent) => sent.waId), request.rowId);
    // Oldest first: if an attempt sent it twice already, the first is the one the person read first.
    const found = candidates.filter((sent) => !taken.has(sent.waId)).at(-1) ?? null;
    metrics?.sendChecks.inc({ outcome: found ? 'found' : 'not_found' });
    if (found) log.info('an earlier attempt had sent the reply; it is recorded, not sent again', { rowId: request.rowId, messageId: found.messageId });
    return found;
  }

  const activities = {
    /**
     * Summary + knowledge + recalled memories + recent transcript under the token budget →
     * the model → the reply stored in STM (not yet sent).
     */
    async composeReply(request: ComposeReplyRequest): Promise<ComposedReply> {
      const earlier = await stm.findReply(request.claimToken);
      if (earlier) return { ...earlier, promptTokens: 0, replyTokens: countTokens(earlier.text) };
      const { text, promptTokens } = await composeText(deps, request);
      const rowId = await stm.recordReply({ ...replyRecord(request), text });
      return { rowId, text, promptTokens, replyTokens: countTokens(text) };
    },

    /**
     * Sends the stored reply through WAHA and records its WhatsApp id. A failure to record
     * must not fail the activity: a retry would send the reply a second time.
     */
    async sendReply(request: SendReplyRequest): Promise<SentMessageId & { recorded: boolean }> {
      const info = Context.current().info;
      // The reply was stored before this activity was first scheduled; any earlier attempt sent after that.
      return deliver(request, info.attempt > 1 ? { sinceMs: info.scheduledTimestampMs } : null);
    },

    /**
     * The whole answer in one step, which the workflow runs as a local activity inside the
     * workflow task that took the message: compose, split into messages and store them, mark
     * what was answered seen, then each message typed and sent in turn, its sent id recorded.
     * A retry finds what an earlier attempt stored and sent, and sends only the rest.
     * `given` comes only from a step that stored the message itself (a Temporal activity call
     * never passes it): `drafted`, the model's text asked for earlier (`composeText`) by a step
     * that asks for several replies at once; `firstAttempt`, when that step stored the message
     * just now, so no earlier attempt can have stored or sent a reply to look for.
     */
    async reply(request: ReplyRequest, given: { drafted?: Promise<string>; firstAttempt?: boolean } = {}): Promise<DeliveredReply> {
      const { drafted, firstAttempt = false } = given;
      const earlier = firstAttempt ? [] : await stm.findClaimedReplyParts(request.claimToken);
      if (earlier.length && earlier.every((part) => part.sent)) return delivered(earlier.map((part) => ({ ...part, ...part.sent!, recorded: true })));
      refuseAfter(request.deadlineMs);
      const parts = earlier.length
        ? earlier
        : await stage('composeReply', async () => stm.recordReplyParts(replyRecord(request), withAskerNamed(request, splitReply(await (drafted ?? composeText(deps, request).then(({ text }) => text)), pacing.maxMessageChars))));
      // A model that answered just past the deadline does not get its reply sent.
      refuseAfter(request.deadlineMs);
      const sent = await stage('sendReply', () => deliverParts(request, parts, earlier.length ? { sinceMs: earlier[0]!.storedAt } : null));
      return delivered(sent);
    },
  };

  /** The parts as sent: in a group the first names the asker, when GROUP_MENTION_ASKER says so. */
  function withAskerNamed(request: ReplyRequest, parts: string[]): string[] {
    if (!request.askerId || !pacing.mentionAsker) return parts;
    return parts.map((part, index) => (index === 0 ? mentioning(request.askerId!, part) : part));
  }

  /**
   * Sends the parts not yet sent, in order; only the first quotes the message answered (and names the asker). A
   * stored, unsent part means an earlier attempt got as far as sending: it may have reached WAHA.
   */
  async function deliverParts(request: ReplyRequest, parts: StoredReplyPart[], earlierAttempt: { sinceMs: number } | null): Promise<DeliveredPart[]> {
    const unseen = !parts.some((part) => part.sent);
    const markSeen = () => presence.markSeen(request.session, request.replyChatId, request.answering.map((message) => message.messageId));
    // A person reads before typing; without typing time, the ticks would only hold the reply back, so they follow it.
    if (unseen && presence.types) await markSeen();
    const out: DeliveredPart[] = [];
    for (const [index, part] of parts.entries()) {
      if (part.sent) {
        out.push({ rowId: part.rowId, text: part.text, ...part.sent, recorded: true });
        continue;
      }
      const sent = await deliver(
        {
          rowId: part.rowId,
          session: request.session,
          chatId: request.replyChatId,
          text: part.text,
          ...(index === 0 && request.replyTo ? { replyTo: request.replyTo } : {}),
          ...(index === 0 && request.askerId && part.text.startsWith(mentioning(request.askerId, '')) ? { mentions: [request.askerId] } : {}),
        },
        earlierAttempt,
        () => presence.beforeSend(request.session, request.replyChatId, part.text),
      );
      out.push({ rowId: part.rowId, text: part.text, ...sent });
    }
    if (unseen && !presence.types) await markSeen();
    return out;
  }
  return activities;
}

export interface ReplyRequest extends ComposeReplyRequest {
  /** ms since the epoch past which nothing is sent (REPLY_DEADLINE); absent in runs from before it. */
  deadlineMs?: number;
  /** The chat as WAHA named it in the message (the reply goes there). */
  replyChatId: string;
  /** In a group, the message the reply quotes. */
  replyTo?: string;
  /** In a group, who asked (absent in runs from before mentions): GROUP_MENTION_ASKER names them. */
  askerId?: string;
}

export interface DeliveredPart extends SentMessageId {
  rowId: string;
  text: string;
  /** False when the send went out but its WhatsApp id could not be stored yet. */
  recorded: boolean;
}

/** The reply as sent; the top-level fields are its last message (all that runs from before splitting know). */
export interface DeliveredReply extends DeliveredPart {
  replyTokens: number;
  /** Every message the reply was sent as, in order (absent in histories from before splitting: one message). */
  parts?: DeliveredPart[];
}

function delivered(parts: DeliveredPart[]): DeliveredReply {
  const last = parts[parts.length - 1]!;
  const text = parts.map((part) => part.text).join('\n\n');
  return { ...last, text, replyTokens: countTokens(text), recorded: parts.every((part) => part.recorded), parts };
}

export type ReplyActivities = ReturnType<typeof createReplyActivities>;

function refuseAfter(deadlineMs: number | undefined): void {
  if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
    throw ApplicationFailure.create({
      type: DEADLINE_PASSED,
      nonRetryable: true,
      message: `REPLY_DEADLINE passed at ${new Date(deadlineMs).toISOString()} while the model or WAHA kept failing; nothing is sent`,
    });
  }
}
