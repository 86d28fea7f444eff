import { createInterface, type Interface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { exitWithReason, readCommandLine, UsageError } from '../command-line.js';
import { loadConfig } from '../config.js';
import { isWellFormedGroupId } from '../domain/whatsapp-ids.js';
import { WEBHOOK_PATH } from '../domain/webhook-contract.js';
import { wahaMessageEvent, type WahaMe } from './waha-events.js';
import { startWahaStandIn } from './waha-standin.js';
import { postWebhook } from './webhook-poster.js';
import { failureLine, memoryLines, watchChat } from './chat-watch.js';

const USAGE = `usage: npm run chat -- --from <phone> [--name <name>] [--group <id>] [--session <name>] [--waha-port <port>]

Type as a WhatsApp user; chatmem's replies are printed as "bot> ...". In a group, write @bot
to mention the bot (GROUP_REPLY=mention answers only then). /memory shows what the bot
remembers of the chat; a reply that fails is said ("bot could not answer: ..."). Ctrl-D or
Ctrl-C ends (Ctrl-D after the last answer, or once it is known to fail).
Talks to chatmem at CHATMEM_WEBHOOK_URL (default http://127.0.0.1:$PORT${WEBHOOK_PATH}); signs with
WAHA_WEBHOOK_HMAC_KEY when set. Without WAHA_URL it serves WAHA's send API on :3000 itself,
which is where chatmem sends replies by default (--waha-port serves it on another port, for a
chatmem whose WAHA_URL names that port).`;

/** The simulated bot account; any number works, chatmem learns it from each webhook. */
const ME: WahaMe = { id: '10000000000@c.us', pushName: 'chatmem bot' };

interface ChatOptions {
  from: string;
  name: string | null;
  group: string | null;
  session: string;
  /** Where to serve WAHA's send API; null: the port of WAHA_URL's default. */
  wahaPort: number | null;
}

export function parseChatArgs(argv: string[]): ChatOptions {
  const { values } = readCommandLine({
    args: argv,
    options: { from: { type: 'string' }, name: { type: 'string' }, group: { type: 'string' }, session: { type: 'string' }, 'waha-port': { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const digits = (values.from ?? '').replace(/[^\d]/g, '');
  if (digits.length < 8 || digits.length > 15) throw new UsageError(`--from: '${values.from ?? ''}' is not a phone number (8 to 15 digits, country code first)`);
  let group: string | null = null;
  if (values.group !== undefined) {
    group = values.group.endsWith('@g.us') ? values.group : `${values.group}@g.us`;
    if (!isWellFormedGroupId(group)) throw new UsageError(`--group: '${values.group}' is not a group id (digits, e.g. 120363012345678901)`);
  }
  const wahaPort = values['waha-port'] === undefined ? null : Number(values['waha-port']);
  if (wahaPort !== null && !(Number.isInteger(wahaPort) && wahaPort > 0 && wahaPort < 65536)) throw new UsageError(`--waha-port: '${values['waha-port']}' is not a port`);
  return { from: `${digits}@c.us`, name: values.name ?? null, group, session: values.session ?? 'default', wahaPort };
}

async function main(): Promise<void> {
  const options = parseChatArgs(process.argv.slice(2));
  const config = loadConfig();
  const webhookUrl = process.env.CHATMEM_WEBHOOK_URL ?? `http://127.0.0.1:${config.port}${WEBHOOK_PATH}`;
  const hmacKey = config.waha.webhookHmacKey;
  const chatId = options.group ?? options.from;
  // Made once everything is set up: lines read before the loop below listens would be lost.
  let lines: Interface | null = null;
  // On a terminal a printed line must not run into what the person is typing.
  const print = (line: string) => {
    if (process.stdin.isTTY && lines) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
    if (process.stdin.isTTY) lines?.prompt(true);
  };
  const watch = watchChat({ address: config.temporal.address, namespace: config.temporal.namespace, session: options.session, chatId });

  let lastSentAt = 0;
  let lastReplyAt = 0;
  let waha: { close(): Promise<void> } | null = null;
  if (!process.env.WAHA_URL || options.wahaPort !== null) {
    const port = options.wahaPort ?? Number(new URL(config.waha.url).port || 80);
    const local = await startWahaStandIn({ port, me: ME, engine: 'WEBJS', apiKey: config.waha.apiKey, hmacKey }).catch((error) => {
      throw new Error(`cannot serve WAHA's API on :${port} for chatmem's replies (${String(error)}); is another simulator or WAHA running there?`);
    });
    // Each reply is echoed back to chatmem, as a real WAHA does (stored once, never answered).
    local.setWebhookUrl(webhookUrl);
    local.onSent((sent) => {
      if (sent.chatId !== chatId) return;
      lastReplyAt = Date.now();
      print(`bot> ${asTyped(sent.text)}`);
    });
    waha = local;
  } else {
    print(`replies go to your WAHA at ${process.env.WAHA_URL}, not to this terminal`);
  }
  print(`chatting as ${options.name ?? options.from} in ${chatId} through ${webhookUrl}${options.group ? ' (write @bot to mention the bot)' : ''}; /memory shows what the bot remembers`);

  // A reply that does not come is said, with why, once the chat's workflow knows it is failing.
  const before = await watch.state();
  const unansweredBefore = before?.unanswered ?? 0;
  const repliesBefore = before?.repliesSent ?? 0;
  let said: string | null = null;
  const failing = async (): Promise<boolean> => {
    const state = await watch.state();
    const line = state && failureLine(state, unansweredBefore);
    if (line && line !== said) print((said = line));
    return line !== null;
  };
  const checks = setInterval(() => {
    if (lastSentAt > lastReplyAt && Date.now() - lastSentAt > 3_000) void failing();
  }, 2_000);

  lines = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY, prompt: 'you> ' });
  if (process.stdin.isTTY) lines.prompt();
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/memory') {
      for (const remembered of (await watch.reachable()) ? memoryLines(await watch.memory()) : [`! /memory asks chatmem's Temporal at ${config.temporal.address}, which does not answer (set TEMPORAL_ADDRESS)`]) print(remembered);
      continue;
    }
    if (!text) {
      if (process.stdin.isTTY) lines.prompt();
      continue;
    }
    const mentioned = options.group !== null && /@bot\b/i.test(text);
    const event = wahaMessageEvent({
      session: options.session,
      me: ME,
      chatId,
      fromMe: false,
      ...(options.group ? { participant: options.from } : {}),
      ...(options.name ? { senderName: options.name } : {}),
      text: mentioned ? text.replace(/@bot\b/gi, `@${ME_NUMBER}`) : text,
      ...(mentioned ? { mentions: [ME.id] } : {}),
    });
    const answer = await postWebhook(webhookUrl, event, hmacKey);
    if (answer.status === 0) print(`! chatmem is not reachable at ${webhookUrl}: ${answer.text} (is npm start running?)`);
    else if (answer.status >= 300) print(`! chatmem answered ${answer.status}: ${answer.text}`);
    else if (!options.group || mentioned) {
      lastSentAt = Date.now();
      said = null;
    }
    if (process.stdin.isTTY) lines.prompt();
  }
  clearInterval(checks);

  // Input ended (Ctrl-D or a closed pipe): wait for the answer to what was sent last, unless it is failing.
  const deadline = Date.now() + 60_000;
  while (lastSentAt > lastReplyAt && Date.now() < deadline) {
    if (await failing()) break;
    // Replies that go to a real WAHA are not seen here: the chat's workflow says when it answered.
    if (!waha) {
      const state = await watch.state();
      if (!state || (state.queueLength === 0 && state.repliesSent > repliesBefore)) break;
    }
    await new Promise((wait) => setTimeout(wait, 300));
  }
  await waha?.close();
  await watch.close();
}

/** The bot's number as a person reads it in the simulator: `@bot`. */
const ME_NUMBER = ME.id.split('@')[0]!;
function asTyped(text: string): string {
  return text.replaceAll(`@${ME_NUMBER}`, '@bot');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch(exitWithReason(USAGE));
}
