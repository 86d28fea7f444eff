// A deliberately nondeterministic edit of the chat workflow: it now waits a second before
// doing anything. Replaying recorded histories against it must fail.
import { sleep } from '@temporalio/workflow';
import { chatWorkflow as original, type ChatWorkflowInput } from '../../../src/workflows/chat-workflow.js';

export async function chatWorkflow(input: ChatWorkflowInput): Promise<void> {
  await sleep('1 second');
  return original(input);
}
