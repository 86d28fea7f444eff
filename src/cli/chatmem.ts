import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { exitWithReason, readCommandLine, UsageError } from '../command-line.js';
import { loadConfig } from '../config.js';
import { WORKFLOWS_PATH } from '../workflows/workflow-code.js';
import { parseChatTarget, type ChatTarget } from './chat-target.js';
import { eraseTarget, exportHistory, inspectChat, replayHistory, retryUnanswered } from './operator-commands.js';

const USAGE = `usage: chatmem <command> [--session <name>]

  inspect <chat>                  state, summary, knowledge and last messages of a chat
  retry <chat>                    answers, once, the chat's messages whose reply was given up on
                                  (REPLY_DEADLINE passed, or the model or WAHA refused)
  erase <chat or contact>         removes a group, or a person (private chat and their part in
                                  groups), from every store; prints what went, per store
  history export <chat> [--out <file>]
                                  the chat's current run as a replay-ready JSON history
                                  (default: <data folder>/histories/<chat>.history.json)
  replay <file>                   replays a history against this checkout's workflow code

<chat> is a phone number (5511988887777), a contact id (…@c.us, …@lid) or a group id (…@g.us).
Connects to TEMPORAL_ADDRESS (default: the embedded dev server, 127.0.0.1:7233) and
TEMPORAL_NAMESPACE; --session is the WAHA session (default: default).`;

/** What the operator asked for, read from the command line; nothing is contacted yet. */
export type OperatorCommand =
  | { name: 'replay'; file: string }
  | { name: 'inspect' | 'erase' | 'retry'; session: string; target: ChatTarget }
  | { name: 'history export'; session: string; target: ChatTarget; out: string | null };

export function parseOperatorCommand(argv: string[]): OperatorCommand {
  const { values, positionals } = readCommandLine({
    args: argv,
    options: { session: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) throw new UsageError('');
  if (command === 'replay') {
    if (rest.length !== 1) throw new UsageError('replay takes one history file');
    return { name: 'replay', file: rest[0]! };
  }
  const session = values.session ?? 'default';
  if (!/^[\w-]+$/.test(session)) throw new UsageError(`--session: '${session}' is not a WAHA session name (letters, digits, _ and -)`);
  // A phone number typed as people write it (+55 11 98888-7777) reaches us as several words.
  const chat = (words: string[]) => {
    if (!words.length) throw new UsageError(`${command} needs a chat`);
    return parseChatTarget(words.join(' '));
  };
  if (command === 'inspect' || command === 'erase' || command === 'retry') return { name: command, session, target: chat(rest) };
  if (command === 'history' && rest[0] === 'export') return { name: 'history export', session, target: chat(rest.slice(1)), out: values.out ?? null };
  if (command === 'history') throw new UsageError(`history takes export: chatmem history export <chat> [--out <file>]`);
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

export async function runChatmem(argv: string[], print: (line: string) => void = console.log): Promise<void> {
  const command = parseOperatorCommand(argv);
  if (command.name === 'replay') {
    // The SDK's own progress lines (bundling, worker states) are noise to an operator.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    return replayHistory(command.file, WORKFLOWS_PATH, print);
  }

  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5_000 }).catch((error: unknown) => {
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (${String(error)}); is chatmem running, or TEMPORAL_ADDRESS set?`);
  });
  const operator = { client: new Client({ connection, namespace: config.temporal.namespace }), session: command.session, print };
  try {
    switch (command.name) {
      case 'inspect':
        return await inspectChat(operator, command.target);
      case 'erase':
        return void (await eraseTarget(operator, command.target));
      case 'retry':
        return void (await retryUnanswered(operator, command.target));
      case 'history export':
        // Without --out, into the data folder (ignored by git), not wherever the shell stands.
        return void (await exportHistory(operator, command.target, command.out, join(config.dataDir, 'histories')));
    }
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Error(`no such chat in session ${command.session}: ${error.workflowId ?? command.target.chatId} has never written, or was erased as a whole and is gone`);
    throw error;
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runChatmem(process.argv.slice(2)).catch(exitWithReason(USAGE));
}
