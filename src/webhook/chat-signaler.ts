import type { Client } from '@temporalio/client';
import { chatTitle } from '../domain/chat-details.js';
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

/**
 * signalWithStart: the chat's workflow is started if it is not running, and the signal is
 * recorded in its history either way. A deadline keeps a Temporal outage from holding the
 * webhook open; WAHA retries the delivery after our 503.
 */
export function createTemporalSignaler(client: Client, options: { taskQueue: string; deadlineMs?: number }): ChatSignaler {
  const deadlineMs = options.deadlineMs ?? 5_000;
  return {
    async deliver(message) {
      const workflowId = chatWorkflowId(message.session, message.chatId);
      try {
        await client.withDeadline(Date.now() + deadlineMs, () => signalWithStart(client, options.taskQueue, workflowId, message));
      } catch (error) {
        const refusal = refusalOf(error);
        throw refusal ? new DeliveryRefused(refusal, { cause: error }) : error;
      }
      return { workflowId };
    },
  };
}

function signalWithStart(client: Client, taskQueue: string, workflowId: string, message: InboundMessage) {
  return client.workflow.signalWithStart(chatWorkflow, {
    workflowId,
    taskQueue,
    args: [{ session: message.session, chatId: message.chatId }],
    signal: inboundSignal,
    signalArgs: [{ ...message, receivedAt: Date.now() }],
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
  });
}
