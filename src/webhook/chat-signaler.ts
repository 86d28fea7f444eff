import type { Client } from '@temporalio/client';
import { LRUCache } from 'lru-cache';
import { chatTitle } from '../domain/chat-details.js';
import type { ChatSettings } from '../domain/chat-settings.js';
import { chatWorkflowId } from '../domain/chat-workflow-id.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { chatWorkflow, inboundSignal } from '../workflows/chat-workflow.js';
import { CHAT_ID, IS_GROUP, LAST_INTERACTION, WAHA_SESSION } from '../workflows/search-attributes.js';
import { GRPC_STATUS, grpcErrorsIn } from '../temporal/grpc-status.js';

/**
 * Hands a message to its chat's workflow; resolves only once Temporal has accepted it.
 * Rejects with DeliveryRefused when Temporal says the message itself is wrong (another try
 * cannot succeed), with any other error when Temporal could not be reached or was busy.
 */
export interface ChatSignaler {
  deliver(message: InboundMessage): Promise<{ workflowId: string }>;
}

/** Temporal refused the message as it is: resending the same bytes would fail again. */
export class DeliveryRefused extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'DeliveryRefused';
  }
}

/**
 * Temporal's answer for input it will never take: INVALID_ARGUMENT (an id too long, a
 * payload over its size limit) or a string that is not valid UTF-8, which its gRPC layer
 * reports as INTERNAL. Everything else (unavailable, deadline, overload) is worth a retry.
 */
function refusalOf(error: unknown): string | null {
  for (const cause of grpcErrorsIn(error)) {
    if (cause.code === GRPC_STATUS.INVALID_ARGUMENT) return cause.details || cause.message;
    if (cause.code === GRPC_STATUS.INTERNAL && /utf-?8/i.test(cause.details || cause.message)) return cause.details || cause.message;
  }
  return null;
}

/** Chats this process has delivered to, so their next messages go straight to signalWithStart. */
const KNOWN_CHATS = 20_000;

export interface SignalerOptions {
  taskQueue: string;
  deadlineMs?: number;
  /**
   * When a worker runs in this process (`npm start`): a client on its connection, and the
   * operator's settings it acts on. A chat this process has not delivered to yet is first
   * started eagerly, with its message and those settings in the workflow's input: the server
   * hands the run's first task straight back to this process's worker, instead of through
   * matching to a poll, and the run need not read the settings in a step of its own. A chat
   * that already runs answers "already started" and the message is signalled after all: one
   * call more, once per chat and process.
   */
  eagerStart?: EagerStart;
}

export interface EagerStart {
  client: Client;
  settings: ChatSettings;
}

/**
 * signalWithStart: the chat's workflow is started if it is not running, and the signal is
 * recorded in its history either way. A deadline keeps a Temporal outage from holding the
 * webhook open; WAHA retries the delivery after our 503.
 */
export function createTemporalSignaler(client: Client, options: SignalerOptions): ChatSignaler {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const known = new LRUCache<string, true>({ max: KNOWN_CHATS });
  // A chat's first delivery while it is under way: the chat's next messages wait for it, or
  // a signal could overtake the start (or its fallback signal) and change the chat's order.
  const starting = new Map<string, Promise<unknown>>();

  async function signal(workflowId: string, message: InboundMessage, deadline: number): Promise<void> {
    try {
      await client.withDeadline(deadline, () => signalWithStart(client, options.taskQueue, workflowId, message));
    } catch (error) {
      const refusal = refusalOf(error);
      throw refusal ? new DeliveryRefused(refusal, { cause: error }) : error;
    }
  }

  return {
    async deliver(message) {
      const workflowId = chatWorkflowId(message.session, message.chatId);
      // One deadline for both tries, so an outage costs WAHA one wait, not two.
      const deadline = Date.now() + deadlineMs;
      const eager = options.eagerStart;
      if (!eager || known.has(workflowId)) {
        await starting.get(workflowId);
        await signal(workflowId, message, deadline);
        return { workflowId };
      }
      known.set(workflowId, true);
      const delivery = (async () => {
        if (!(await startedEagerly(eager, options.taskQueue, workflowId, message, deadline))) await signal(workflowId, message, deadline);
      })();
      starting.set(workflowId, delivery.catch(() => undefined));
      try {
        await delivery;
      } finally {
        starting.delete(workflowId);
      }
      return { workflowId };
    },
  };
}

/**
 * Starts a new chat's workflow with the message in its input; false when it could not, most
 * often because the chat's workflow already runs. Whatever the reason, signalWithStart comes
 * next: it delivers to a running chat, and tells a refusal from an outage. Should this start
 * have gone through unseen, the message reaches the chat twice and the chat keeps one.
 */
async function startedEagerly({ client, settings }: EagerStart, taskQueue: string, workflowId: string, message: InboundMessage, deadline: number): Promise<boolean> {
  try {
    await client.withDeadline(deadline, () =>
      client.workflow.start(chatWorkflow, {
        ...startOptions(taskQueue, workflowId, message),
        args: [{ session: message.session, chatId: message.chatId, first: { ...message, receivedAt: Date.now() }, settings }],
        requestEagerStart: true,
        workflowIdConflictPolicy: 'FAIL',
      }),
    );
    return true;
  } catch {
    return false;
  }
}

function signalWithStart(client: Client, taskQueue: string, workflowId: string, message: InboundMessage) {
  return client.workflow.signalWithStart(chatWorkflow, {
    ...startOptions(taskQueue, workflowId, message),
    args: [{ session: message.session, chatId: message.chatId }],
    signal: inboundSignal,
    signalArgs: [{ ...message, receivedAt: Date.now() }],
  });
}

/** What every start of a chat's workflow sets, however it starts. */
function startOptions(taskQueue: string, workflowId: string, message: InboundMessage) {
  return {
    workflowId,
    taskQueue,
    // Shown in the Temporal Web UI's list and header; set when the chat's workflow starts.
    staticSummary: chatTitle(message),
    staticDetails: `WAHA session \`${message.session}\`, chat \`${message.chatId}\``,
    // So the Web UI can filter chats: ChatId = "…@c.us", IsGroup = true, by Session or LastInteraction.
    typedSearchAttributes: [
      { key: CHAT_ID, value: message.chatId },
      { key: WAHA_SESSION, value: message.session },
      { key: IS_GROUP, value: message.isGroupChat },
      { key: LAST_INTERACTION, value: new Date(message.timestamp * 1000) },
    ],
  };
}
