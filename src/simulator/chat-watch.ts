import { Client, Connection } from '@temporalio/client';
import { unansweredLine, waitingLine } from '../domain/chat-details.js';
import type { ChatMemoryView, ChatStateView } from '../domain/chat-state.js';
import { chatWorkflowId } from '../domain/chat-workflow-id.js';
import { memoryQuery, stateQuery } from '../workflows/chat-contract.js';

/**
 * The simulated user's view into the chat's workflow, as `chatmem inspect` has it: what the
 * bot remembers (`/memory`) and whether a reply is failing. The simulator works without it
 * (a chatmem whose Temporal it cannot reach), only less helpfully.
 */
export function watchChat(options: { address: string; namespace: string; session: string; chatId: string }) {
  let client: Promise<{ client: Client; connection: Connection } | null> | null = null;
  const connect = () =>
    (client ??= Connection.connect({ address: options.address, connectTimeout: 2_000 }).then(
      (connection) => ({ connection, client: new Client({ connection, namespace: options.namespace }) }),
      () => null,
    ));
  const query = async <T>(read: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T | null> => {
    const connected = await connect();
    return connected ? read(connected.client.workflow.getHandle(chatWorkflowId(options.session, options.chatId))).catch(() => null) : null;
  };
  return {
    /** Whether the chat's Temporal answers at all. */
    reachable: async () => (await connect()) !== null,
    state: () => query<ChatStateView>((handle) => handle.query(stateQuery)),
    memory: () => query<ChatMemoryView>((handle) => handle.query(memoryQuery)),
    async close() {
      await (await client)?.connection.close();
    },
  };
}

export type ChatWatch = ReturnType<typeof watchChat>;

/** A reply without a failure the chat saw is only said to be failing after this long: it may just be slow. */
const SLOW_REPLY_MS = 30_000;

/**
 * What the simulator says of a reply that does not come: null while nothing is known to fail.
 * A reply being composed shows as waiting too, so waiting alone counts only once it has
 * lasted past a slow reply (the reply step's own retries are not seen by the chat).
 */
export function failureLine(state: ChatStateView, unansweredBefore: number, now = Date.now()): string | null {
  if (state.unanswered > unansweredBefore) return `bot could not answer: ${unansweredLine(state.lastUnanswered)}`;
  if (state.waiting && (state.waiting.failure || now - Date.parse(state.waiting.since) >= SLOW_REPLY_MS)) return `bot could not answer yet: ${waitingLine(state.waiting)}`;
  return null;
}

/** `/memory`: the summary and what the bot knows of each person, as the chat's last learning left them. */
export function memoryLines(memory: ChatMemoryView | null): string[] {
  if (!memory) return ['(nothing yet: the bot has no memory of this chat)'];
  const facts = Object.entries(memory.knowledge).flatMap(([person, known]) => known.map((fact) => `  ${person}: ${fact}`));
  return [`summary: ${memory.summary ?? '(none yet)'}`, facts.length ? 'knows:' : 'knows: (nothing yet)', ...facts];
}
