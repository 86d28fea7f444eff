import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { KNOWLEDGE_PROMPT_MARKER } from '../../src/domain/knowledge.js';
import { learningSteps } from './histories.js';
import { eventually, WAIT_MS } from './http.js';
import type { Stack } from './stack.js';

/**
 * `first` is said and answered, and its batch's fact extraction stalls; `second` is said and
 * answered while it does, and the stall lasts `stallMs` more before it ends.
 */
export async function sayWhileLearningStalls(stack: Stack, chat: string, [first, second]: [string, string], stallMs: number): Promise<void> {
  const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chat));
  const gate = stack.openai.hold((_, messages) => messages[0]?.content.startsWith(KNOWLEDGE_PROMPT_MARKER) ?? false);
  try {
    await stack.say(chat, first);
    await stack.replyTo(first);
    await eventually(async () => learningSteps((await handle.fetchHistory()).events ?? []).length === 1, 'the first batch learning', WAIT_MS);
    await stack.say(chat, second);
    await stack.replyTo(second);
    await new Promise((resolve) => setTimeout(resolve, stallMs));
  } finally {
    gate.release();
  }
}
