import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ErasedCounts } from '../activities/index.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import type { ChatMemoryView, ChatSnapshot, ChatStateView } from '../domain/chat-state.js';
import type { InboundMessage } from '../domain/inbound-message.js';

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
/** Answers again, once, the messages whose reply was given up on (`chatmem retry`); answers how many there are. */
export const retryUnansweredUpdate = defineUpdate<{ messages: number }, []>('retryUnanswered');

export interface ChatWorkflowInput {
  session: string;
  chatId: string;
  /** Set when the chat continues as new: what the previous run handed over. */
  carried?: ChatSnapshot;
  /** User messages the previous run stored and had not yet learned from, oldest first. */
  learning?: InboundMessage[];
  /**
   * The message a new chat's workflow was started with (an eager start), in place of its
   * first signal; absent when it was started by signalWithStart, and in every later run.
   */
  first?: InboundMessage;
  /**
   * With `first`: the operator's settings, as the process that started the chat read them (it
   * runs the worker too, so they are the worker's), used as if the run had just read them.
   */
  settings?: ChatSettings;
}
