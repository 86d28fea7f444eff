import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import type { Stack } from './stack.js';

/**
 * Floods chats as WAHA delivers a busy hour (four deliveries at a time) while each chat's
 * `state` is queried every 20 ms, as an operator's inspect or the Web UI does, one round at a
 * time until `until` says enough. Returns how many queries were answered meanwhile.
 */
export async function floodWhileQuerying(stack: Stack, chats: string[], { messagesPerRound, until }: { messagesPerRound: number; until: (round: number) => Promise<boolean> }): Promise<number> {
  const handles = chats.map((chat) => stack.client.workflow.getHandle(chatWorkflowId('default', chat)));
  let querying = true;
  let answered = 0;
  const queries = (async () => {
    while (querying) {
      await Promise.all(handles.map((handle) => handle.query(stateQuery).then(() => answered++, () => undefined)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    for (let round = 0; ; round++) {
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = next++; i < messagesPerRound; i = next++) await stack.say(chats[i % chats.length]!, `mensagem ${i} da rodada ${round}, sobre o pedido`);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      if (await until(round)) break;
    }
  } finally {
    querying = false;
    await queries;
  }
  return answered;
}
