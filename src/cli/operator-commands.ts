import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { ErasedCounts } from '../activities/index.js';
import { learningFailureLine, rejectionLine, unansweredLine, waitingLine } from '../domain/chat-details.js';
import { chatWorkflowId } from '../domain/chat-workflow-id.js';
import { eraseUpdate, memoryQuery, retryUnansweredUpdate, stateQuery } from '../workflows/chat-workflow.js';
import { GRPC_STATUS, grpcErrorsIn } from '../temporal/grpc-status.js';
import { CHAT_ID } from '../workflows/search-attributes.js';
import type { ChatTarget } from './chat-target.js';

export interface Operator {
  client: Client;
  session: string;
  print(line: string): void;
}

/** State, summary, knowledge and latest lines of one chat, from its workflow's queries. */
export async function inspectChat({ client, session, print }: Operator, target: ChatTarget): Promise<void> {
  const handle = client.workflow.getHandle(chatWorkflowId(session, target.chatId));
  const [description, state, memory] = await Promise.all([handle.describe(), handle.query(stateQuery), handle.query(memoryQuery)]);
  print(`chat ${target.chatId} (session ${session}), workflow ${description.workflowId}, run ${description.runId}, ${description.status.name}`);
  print(`  messages: ${state.messagesSeen} seen, ${state.repliesSent} replies, ${state.replyFailures} failed, ${state.duplicatesDropped} echoes and redeliveries dropped, ${state.queueLength} queued`);
  print(`  last interaction: ${state.lastInteractionAt ?? 'none'}; tokens since the last summary: ${state.tokensSinceSummary}; summaries: ${state.summaries}`);
  print(`  bot: ${state.pausedUntil ? `paused for a human until ${state.pausedUntil}` : 'answering'}`);
  if (state.waiting) print(`  waiting for a reply: ${waitingLine(state.waiting)}`);
  if (state.unanswered) print(`  unanswered: ${state.unanswered} (chatmem retry ${target.chatId} answers them); last: ${unansweredLine(state.lastUnanswered)}`);
  if (state.retrying) print(`  answering again: ${state.retrying} messages`);
  if (state.learningFailures) print(`  not learned from (kept in short-term memory only): ${state.learningFailures}; last: ${learningFailureLine(state.lastLearningFailure)}`);
  if (state.rejected) print(`  rejected by the database (not stored, not answered): ${state.rejected}; last: ${rejectionLine(state.lastRejection)}`);
  print(`summary: ${memory.summary ?? '(none yet)'}`);
  const people = Object.entries(memory.knowledge);
  print(people.length ? 'knowledge:' : 'knowledge: (none yet)');
  for (const [person, facts] of people) for (const fact of facts) print(`  ${person}: ${fact}`);
  print(memory.recent.length ? `last ${memory.recent.length} messages:` : 'last messages: (none)');
  for (const line of memory.recent) print(`  ${line.at} ${line.from === 'bot' ? 'bot' : (line.senderName ?? line.from)}: ${line.text}`);
}

/** Answers again, once, the chat's messages whose reply was given up on; returns how many. */
export async function retryUnanswered({ client, session, print }: Operator, target: ChatTarget): Promise<number> {
  const { messages } = await client.workflow.getHandle(chatWorkflowId(session, target.chatId)).executeUpdate(retryUnansweredUpdate);
  print(messages ? `answering ${messages} unanswered message(s) of ${target.chatId} again` : `${target.chatId} has no unanswered messages`);
  return messages;
}

const STORES: [Exclude<keyof ErasedCounts, 'otherIds'>, string][] = [
  ['chats', 'short-term memory: chats'],
  ['messages', 'short-term memory: messages'],
  ['summaries', 'summaries'],
  ['memories', 'long-term memory (vectors)'],
  ['facts', 'knowledge (vectors)'],
];

/**
 * Erases a group, or a person: their private chat whole, and their messages, facts and the
 * summaries that may mention them in every group of the session. Each chat's own workflow
 * does its part between messages; prints what went, per store.
 */
export async function eraseTarget({ client, session, print }: Operator, target: ChatTarget): Promise<ErasedCounts> {
  const total: ErasedCounts = { chats: 0, messages: 0, summaries: 0, memories: 0, facts: 0 };
  let untouchedGroups = 0;
  // Chats named that have no workflow: a target that matched nothing at all is an error.
  const missing = new Set<string>();
  // The person's other ids (lid ↔ phone form) that the stores know, erased in turn.
  const people = [target.chatId];
  const eraseIn = async (chatId: string, contactId: string | null) => {
    try {
      const counts = await client.workflow.getHandle(chatWorkflowId(session, chatId)).executeUpdate(eraseUpdate, { args: [{ contactId }] });
      for (const [key] of STORES) total[key] += counts[key];
      if (target.kind === 'contact') for (const id of counts.otherIds ?? []) if (!people.includes(id)) people.push(id);
      if (contactId !== null && STORES.every(([key]) => counts[key] === 0)) untouchedGroups += 1;
      else print(`  ${chatId}: ${STORES.map(([key]) => `${counts[key]} ${key}`).join(', ')}`);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      print(`  ${chatId}: no such chat`);
      missing.add(chatId);
    }
  };

  print(`erasing ${target.chatId} (session ${session})`);
  if (target.kind !== 'contact') await eraseIn(target.chatId, null);
  for (let i = 0; target.kind === 'contact' && i < people.length; i++) {
    const person = people[i]!;
    if (i > 0) print(`erasing ${person}, the same person's other id`);
    untouchedGroups = 0;
    await eraseIn(person, null);
    // `Session` is a reserved word in Temporal's query language: it takes backticks.
    const groups = client.workflow.list({ query: `WorkflowType = 'chatWorkflow' AND \`Session\` = '${session}' AND IsGroup = true AND ExecutionStatus = 'Running'` });
    for await (const group of groups) {
      const chatId = group.typedSearchAttributes.get(CHAT_ID);
      if (chatId) await eraseIn(chatId, person);
    }
    if (untouchedGroups) print(`  ${untouchedGroups} other group(s): nothing of ${person}`);
  }
  // A name that matched nothing is most likely mistyped: an operator must not read it as done.
  if (missing.has(target.chatId) && STORES.every(([key]) => total[key] === 0)) {
    throw new Error(`nothing of ${target.chatId} in session ${session}: no such chat${target.kind === 'contact' ? ', and no message of theirs in a group' : ''}`);
  }
  print('removed, per store:');
  for (const [key, label] of STORES) print(`  ${label}: ${total[key]}`);
  return total;
}

/** The chat's current run as a JSON history that `chatmem replay` (and the replay tests) read. */
export async function exportHistory({ client, session, print }: Operator, target: ChatTarget, out: string | null, historiesDir: string): Promise<string> {
  const workflowId = chatWorkflowId(session, target.chatId);
  const history = await client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch((error: unknown) => {
      // Temporal answers NOT_FOUND here where the other calls throw WorkflowNotFoundError.
      if ([...grpcErrorsIn(error)].some((cause) => cause.code === GRPC_STATUS.NOT_FOUND)) throw new WorkflowNotFoundError(`no workflow ${workflowId}`, workflowId, undefined);
      throw error;
    });
  const file = out ?? join(historiesDir, `${workflowId.replace(/[^\w.-]+/g, '_')}.history.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, historyToJSON(history));
  print(`wrote ${history.events?.length ?? 0} events of ${workflowId} to ${file}`);
  return file;
}

/** A history file as `history export` writes it, or an error that says what is wrong with it. */
async function readHistory(file: string) {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `replay: no such file: ${file}` : `replay: cannot read ${file} (${error.message})`);
  });
  try {
    const history = historyFromJSON(JSON.parse(text));
    if (!history.events?.length) throw new Error('it holds no events');
    return history;
  } catch (error) {
    throw new Error(`replay: ${file} is not a workflow history as chatmem history export writes it (${(error as Error).message})`);
  }
}

/** Replays a history against this checkout's workflow code; throws on nondeterminism. */
export async function replayHistory(file: string, workflowsPath: string, print: (line: string) => void): Promise<void> {
  const history = await readHistory(file);
  await Worker.runReplayHistory({ workflowsPath, replayName: 'chatmem-replay' }, history);
  print(`${file}: ${history.events?.length ?? 0} events replay cleanly against this workflow code`);
}
