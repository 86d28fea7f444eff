import type { Client } from '@temporalio/client';
import { chatTitle } from '../domain/chat-details.js';
import { chatWorkflowId } from '../domain/chat-workflow-id.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { chatWorkflow, inboundSignal } from '../workflows/chat-workflow.js';
import { CHAT_ID, IS_GROUP, LAST_INTERACTION, WAHA_SESSION } from '../workflows/search-attributes.js';

/** Hands a message to its chat's workflow; resolves only once Temporal has accepted it. */
export interface ChatSignaler {
  deliver(message: InboundMessage): Promise<{ workflowId: string }>;
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
      await client.withDeadline(Date.now() + deadlineMs, () =>
        client.workflow.signalWithStart(chatWorkflow, {
          workflowId,
          taskQueue: options.taskQueue,
          args: [{ session: message.session, chatId: message.chatId }],
          signal: inboundSignal,
          signalArgs: [message],
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
        }),
      );
      return { workflowId };
    },
  };
}
