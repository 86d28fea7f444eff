import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { lateLocalResults } from '../support/histories.js';
import { floodWhileQuerying } from '../support/queried-flood.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * Operators query chats (`chatmem inspect`, the Web UI's details, the bench's and the tests'
 * waits) while they are busy. A query the server holds back until the chat's next workflow
 * task makes sdk-core answer it while a local activity runs and hand the activity's result to
 * the workflow only in the task after, with that task's signals; a replay hands the result
 * over first. Without `late-local-results` the runs written so did not replay ("Cannot
 * destructure property 'fresh' of 'recorded[index]'", "Missing associated machine for
 * LocalActivity(n)"): 5 of 6 floods failed here; a run that cannot replay is stuck the next
 * time it leaves the worker's cache.
 */
const stack = useTestStack({ env: { DEBOUNCE_MS: '300' } });

describe('chats queried while they are busy', () => {
  it('replay every run they wrote', { timeout: 240_000 }, async () => {
    stack.openai.delayCompletions(100);
    const chats = Array.from({ length: 5 }, (_, i) => `55219${8_000_000 + i}@c.us`);
    // Three rounds, and more until sdk-core has handed some result over late.
    const answered = await floodWhileQuerying(stack, chats, { messagesPerRound: 400, until: async (round) => round >= 2 && ((await runsOf(chats)).some(({ history }) => lateLocalResults(history).length) || round >= 7) });
    // The queries reached the busy chats, and made sdk-core hand results over late.
    expect(answered).toBeGreaterThan(0);
    const runs = await runsOf(chats);
    expect(runs.flatMap(({ history }) => lateLocalResults(history)).length).toBeGreaterThan(0);

    expect(runs.length).toBeGreaterThanOrEqual(chats.length);
    const failed: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, runs)) {
      if (result.error) failed.push(`${result.workflowId}: ${result.error.message.slice(0, 1000)}`);
    }
    expect(failed).toEqual([]);
  });
});

/** Every run of these chats, with its history. */
async function runsOf(chats: string[]) {
  const runs: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
  for await (const run of stack.client.workflow.list({ query: 'WorkflowType = "chatWorkflow"' })) {
    if (!chats.some((chat) => run.workflowId === chatWorkflowId('default', chat))) continue;
    runs.push({ workflowId: `${run.workflowId} ${run.runId}`, history: await stack.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() });
  }
  return runs;
}
