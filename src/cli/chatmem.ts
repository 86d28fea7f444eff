import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { WORKFLOWS_PATH } from '../worker.js';
import { parseChatTarget } from './chat-target.js';
import { eraseTarget, exportHistory, inspectChat, replayHistory } from './operator-commands.js';

const USAGE = `usage: chatmem <command> [--session <name>]

  inspect <chat>                  state, summary, knowledge and last messages of a chat
  erase <chat or contact>         removes a group, or a person (private chat and their part in
                                  groups), from every store; prints what went, per store
  history export <chat> [--out <file>]
                                  the chat's current run as a replay-ready JSON history
  replay <file>                   replays a history against this checkout's workflow code

<chat> is a phone number (5511988887777), a contact id (…@c.us, …@lid) or a group id (…@g.us).
Connects to TEMPORAL_ADDRESS (default: the embedded dev server, 127.0.0.1:7233) and
TEMPORAL_NAMESPACE; --session is the WAHA session (default: default).`;

class UsageError extends Error {}

export async function runChatmem(argv: string[], print: (line: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { session: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) throw new UsageError('');
  if (command === 'replay') {
    if (rest.length !== 1) throw new UsageError('replay takes one history file');
    return replayHistory(rest[0]!, WORKFLOWS_PATH, print);
  }

  const session = values.session ?? 'default';
  if (!/^[\w-]+$/.test(session)) throw new UsageError(`--session: '${session}' is not a WAHA session name (letters, digits, _ and -)`);
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5_000 }).catch((error: unknown) => {
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (${String(error)}); is chatmem running, or TEMPORAL_ADDRESS set?`);
  });
  const operator = { client: new Client({ connection, namespace: config.temporal.namespace }), session, print };
  try {
    if (command === 'inspect' && rest.length === 1) return await inspectChat(operator, parseChatTarget(rest[0]!));
    if (command === 'erase' && rest.length === 1) return void (await eraseTarget(operator, parseChatTarget(rest[0]!)));
    if (command === 'history' && rest[0] === 'export' && rest.length === 2) return void (await exportHistory(operator, parseChatTarget(rest[1]!), values.out ?? null));
    throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Error(`no such chat in session ${session}: ${error.workflowId ?? rest.at(-1)} has never written, or was erased as a whole and is gone`);
    throw error;
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runChatmem(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message ? `${error.message}\n\n${USAGE}` : USAGE);
      process.exit(error.message ? 2 : 0);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
