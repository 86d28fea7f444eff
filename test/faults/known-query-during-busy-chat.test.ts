import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * A known fault, so it runs only in `npm run test:faults`, and it fails today. Operators query
 * chats (`chatmem inspect`, the Web UI's details, the bench's and the tests' waits) while they
 * are busy. A query the server holds back until the chat's next workflow task makes sdk-core
 * complete that task before a local activity it started has finished; that task's signals
 * then reach the run before the activity's result, a replay hands the result over first, and
 * the run does not replay ("Cannot destructure property 'fresh' of 'recorded[index]'",
 * "Missing associated machine for LocalActivity(n)"): 3 and 4 runs of 10 in this flood, none
 * without the queries. A run that cannot replay is stuck the next time it leaves the worker's
 * cache. The server setting `history.MaxBufferedQueryCount: 0` makes this test pass (the
 * server refuses such a query and the client retries it between tasks), but then a query to
 * a chat whose reply step keeps retrying a model that is down never lands, and `chatmem
 * inspect` fails exactly when an operator needs it (the REPLY_DEADLINE test timed out), so it
 * is not set.
 */
const stack = useTestStack({ env: { DEBOUNCE_MS: '300' } });

describe('chats queried while they are busy', () => {
  it('replay every run they wrote', { timeout: 240_000 }, async () => {
    stack.openai.delayCompletions(100);
    const chats = Array.from({ length: 5 }, (_, i) => `55219${8_000_000 + i}@c.us`);
    const handles = chats.map((chat) => stack.client.workflow.getHandle(chatWorkflowId('default', chat)));
    let querying = true;
    let answered = 0;
    const queries = (async () => {
      while (querying) {
        await Promise.all(handles.map((handle) => handle.query(stateQuery).then(() => answered++, () => undefined)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    for (let round = 0; round < 3; round++) {
      let next = 0;
      // Four deliveries at a time, as WAHA makes them.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = next++; i < 400; i = next++) await stack.say(chats[i % chats.length]!, `mensagem ${i} da rodada ${round}, sobre o pedido`);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    querying = false;
    await queries;
    // The queries reached the busy chats.
    expect(answered).toBeGreaterThan(0);

    const runs: { workflowId: string; history: Awaited<ReturnType<(typeof handles)[number]['fetchHistory']>> }[] = [];
    for await (const run of stack.client.workflow.list({ query: 'WorkflowType = "chatWorkflow"' })) {
      if (!chats.some((chat) => run.workflowId === chatWorkflowId('default', chat))) continue;
      runs.push({ workflowId: `${run.workflowId} ${run.runId}`, history: await stack.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() });
    }
    expect(runs.length).toBeGreaterThanOrEqual(chats.length);
    const failed: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, runs)) {
      if (result.error) failed.push(`${result.workflowId}: ${result.error.message.slice(0, 160)}`);
    }
    expect(failed).toEqual([]);
  });
});
