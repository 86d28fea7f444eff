/**
 * chatmem against the n8n glue it replaces, probe for probe as ../shared/peers/n8n/README.md
 * defines them (sequential latency; 1,000 messages over 100 chats at concurrency 20 and 50 as
 * WAHA delivers them; the same with a 1 s model; missing after the drain; RSS), with learning
 * on (embeddings and fact extraction, as users run it), plus what only chatmem has to show:
 * a quiet bot's replies, a busy group's ingest and learning, many live chats, a big table,
 * more workers.
 *
 *   npm run bench:pipeline [-- --peer n8n] [--rounds 3] [--embedded] [--vectors pglite] [--chats 10000] [--big-table] [--workers 2] [--queued-replies side-by-side] [--quick]
 *
 * With --peer n8n the peer's own scripts and probes run in the same session, each probe right
 * after chatmem's, and the last column is the ratio (above 1: chatmem is better). With
 * --rounds N the sequential and load probes run N times each, chatmem's and n8n's in turn, on
 * new chats each time: a single run on two noisy cores can swing by a third either way.
 */
import { parseArgs } from 'node:util';
import { QUEUED_REPLY_MODES } from '../src/domain/queued-replies.js';
import { variant } from '../test/support/fixtures.js';
import { eventually } from '../test/support/http.js';
import { startChatmem, processFootprint, type Chatmem } from './chatmem-under-test.js';
import { n8nPeer, type PeerLatency, type PeerThroughput } from './peer-n8n.js';
import { percentile, printTable } from './support.js';

const { values } = parseArgs({
  options: {
    peer: { type: 'string' },
    embedded: { type: 'boolean', default: false },
    vectors: { type: 'string' },
    prod: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    chats: { type: 'string' },
    'big-table': { type: 'boolean', default: false },
    workers: { type: 'string' },
    drain: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '1' },
    'queued-replies': { type: 'string' },
  },
});
if (values.peer && values.peer !== 'n8n') throw new Error(`--peer ${values.peer}: the only peer is n8n`);
// Where chatmem's long-term memory lives: by default in the server, as production runs it
// (Qdrant, or the pgvector image); `pglite` keeps the machine's PostgreSQL, which lacks
// pgvector here, and the vectors in PGlite inside chatmem's process.
const vectors = values.vectors ?? (values.embedded ? 'pglite' : 'pgvector');
if (!['pgvector', 'pglite'].includes(vectors)) throw new Error(`--vectors ${vectors}: pgvector or pglite`);
if (values.embedded && vectors !== 'pglite') throw new Error('--embedded is PGlite, vectors included: --vectors pgvector does not apply');
const quick = values.quick;
const scale = (full: number, short: number) => (quick ? short : full);
const LATENCY_MESSAGES = scale(200, 40);
/** The quiet probe's wait between a reply and the next message. */
const QUIET_GAP_S = 12;
/** The sequential probe's chats (the big-table probe asks them again). */
const LATENCY_CHATS = { count: 20, code: '10' };
const LOAD = { messages: scale(1000, 200), chats: scale(100, 20) };
const drainS = Number(values.drain);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds}: a whole number, 1 or more`);
/** Round r's chats: the first round's are the ones every earlier run of the bench used. */
const roundCode = (code: string, round: number) => (round === 0 ? code : `${code}${round}`);

const queuedReplies = values['queued-replies'];
if (queuedReplies && !(QUEUED_REPLY_MODES as readonly string[]).includes(queuedReplies)) throw new Error(`--queued-replies ${queuedReplies}: one of ${QUEUED_REPLY_MODES.join(', ')}`);
const cm = await startChatmem({ embedded: values.embedded, prod: values.prod, pgvector: vectors === 'pgvector', env: queuedReplies ? { QUEUED_REPLIES: queuedReplies } : {} });
const peer = values.peer ? n8nPeer : null;
const rows: { probe: string; measure: string; chatmem: number; n8n?: number; better: 'lower' | 'higher' }[] = [];
const record = (probe: string, measure: string, better: 'lower' | 'higher', chatmem: number, n8n?: number) => rows.push({ probe, measure, chatmem, n8n, better });
let sequence = 0;
const chatOf = (code: string, i: number) => `55${code}${String(900_000_000 + i).padStart(9, '0')}@c.us`;

try {
  await peer?.prepare();
  const idle = footprint();

  // Sequential latency: the next message goes when the previous reply reached WAHA.
  await peer?.start(0);
  await latencyProbe(10, 10, 'warm');
  const ourLatency: Latency[] = [];
  const peerLatency: PeerLatency[] = [];
  const sequentialCpu: CpuSeconds = { chatmem: 0, temporal: 0, postgres: 0 };
  for (let round = 0; round < rounds; round++) {
    const code = roundCode(LATENCY_CHATS.code, round);
    const before = cpuSeconds();
    ourLatency.push(await latencyProbe(LATENCY_MESSAGES, LATENCY_CHATS.count, code));
    const after = cpuSeconds();
    // Only while the probe ran: not the learning that follows, nor n8n's turn.
    for (const key of ['chatmem', 'temporal', 'postgres'] as const) sequentialCpu[key] += after[key] - before[key];
    // As after each load below: chatmem idle (learning caught up) before n8n is measured.
    await waitUntilLearned(Array.from({ length: LATENCY_CHATS.count }, (_, i) => chatOf(code, i)));
    if (peer) peerLatency.push(await peer.latency(LATENCY_MESSAGES));
  }
  const latency = ourLatency[0]!.all;
  const sequential = `sequential webhook → sendText${rounds > 1 ? ` (median of ${rounds} rounds)` : ''}`;
  for (const p of [50, 95, 99] as const) {
    record(sequential, `p${p}, ms`, 'lower', median(ourLatency.map((round) => percentile(round.all, p))), peer ? median(peerLatency.map((round) => round.replyMs[`p${p}`])) : undefined);
  }
  if (rounds > 1) ourLatency.forEach((round, index) => record('sequential webhook → sendText', `p99, ms, round ${index + 1}`, 'lower', percentile(round.all, 99), peerLatency[index]?.replyMs.p99));
  const firstOfEachChat = ourLatency.flatMap((round) => round.firstOfEachChat).sort((a, b) => a - b);
  for (const p of [50, 95] as const) record(`the same, a new chat's first message (${LATENCY_CHATS.count * rounds} of them)`, `p${p}, ms`, 'lower', percentile(firstOfEachChat, p));
  recordCpu(sequential, cpuPerMessage({ chatmem: 0, temporal: 0, postgres: 0 }, sequentialCpu, LATENCY_MESSAGES * rounds));
  await quietProbe(scale(5, 3), median(ourLatency.map((round) => percentile(round.all, 50))));

  // Throughput as WAHA delivers: c concurrent POSTs, each the next message as soon as one is acknowledged.
  for (const concurrency of [20, 50]) {
    await loadRounds(`${LOAD.messages} msgs / ${LOAD.chats} chats, c${concurrency}`, String(60 + concurrency / 10), concurrency);
  }
  const afterLoad = footprint();
  await peer?.stop();

  // A slow model: every completion (replies and fact extraction) takes 1 s.
  await peer?.start(1000);
  cm.openai.delayCompletions(1000);
  const slowPeer = await loadRounds('1 s model, c50', '91', 50);
  cm.openai.delayCompletions(0);
  await peer?.stop();

  record('footprint', 'chatmem RSS idle, MiB', 'lower', idle.chatmem.rssMiB);
  record('footprint', 'chatmem RSS after load, MiB', 'lower', afterLoad.chatmem.rssMiB, slowPeer?.rssAfter.totalRssMiB);
  record('footprint', 'chatmem peak RSS, MiB', 'lower', footprint().chatmem.peakMiB);
  record('footprint', 'Temporal server RSS after load, MiB', 'lower', afterLoad.temporal.rssMiB);

  await groupIngestProbe({ groups: 10, perSecond: 100, messages: scale(1000, 300), code: 777 });
  await groupIngestProbe({ groups: 10, perSecond: 'unpaced', messages: scale(2000, 600), code: 778 });
  if (values['big-table']) await bigTableProbe(latency);
  if (values.workers) await workersProbe(Number(values.workers));
  if (values.chats) await liveChatsProbe(Number(values.chats));

} finally {
  // What was measured is printed even when a later probe failed.
  printTable(
    `chatmem${values.embedded ? ' (embedded Temporal dev server + PGlite)' : ''}${vectors === 'pgvector' ? ' (PostgreSQL 16 with pgvector)' : ''} (long-term memory: ${cm.vectorStore.replace(/:\/.*/, ' in the process')})${values.prod ? ' (node dist/, prebuilt workflow bundle)' : ''}${queuedReplies ? ` (QUEUED_REPLIES=${queuedReplies})` : ''}${peer ? ' and n8n 1.123.50, same machine, same session' : ''}, learning on`,
    ['probe', 'measure', 'chatmem', ...(peer ? ['n8n', 'chatmem vs n8n'] : [])],
    rows.map((row) => [
      row.probe,
      row.measure,
      row.chatmem,
      ...(peer ? [row.n8n ?? '', row.n8n === undefined ? '' : `${ratio(row).toFixed(2)}×`] : []),
    ]),
  );
  const refusals = new Map<string, number>();
  for (const refusal of cm.refusals) refusals.set(refusal, (refusals.get(refusal) ?? 0) + 1);
  for (const [refusal, times] of refusals) console.log(`webhook answered ${refusal} (${times}×)`);
  await cm.stop();
  await peer?.stop();
}

/**
 * The load probe `rounds` times, chatmem's then n8n's, each round on new chats. Recorded: the
 * round with the median replies/s of each side, every round's replies/s, and what went
 * missing, twice or refused summed over all rounds. Returns n8n's last round.
 */
async function loadRounds(probe: string, code: string, concurrency: number): Promise<PeerThroughput | undefined> {
  const ours: Throughput[] = [];
  const theirs: PeerThroughput[] = [];
  for (let round = 0; round < rounds; round++) {
    ours.push(await throughputProbe({ ...LOAD, concurrency, code: roundCode(code, round) }));
    if (peer) theirs.push(await peer.throughput({ ...LOAD, concurrency, drainS }));
  }
  const sum = <T>(list: T[], of: (item: T) => number) => list.reduce((total, item) => total + of(item), 0);
  const oursSummed: Throughput = {
    ...medianBy(ours, (round) => round.repliesPerS),
    missing: sum(ours, (round) => round.missing),
    duplicates: sum(ours, (round) => round.duplicates),
    webhookFailures: sum(ours, (round) => round.webhookFailures),
  };
  const theirsSummed: PeerThroughput | undefined = peer
    ? {
        ...medianBy(theirs, (round) => round.repliesPerS),
        missingAfterDrain: sum(theirs, (round) => round.missingAfterDrain),
        duplicateReplies: sum(theirs, (round) => round.duplicateReplies),
        webhookFailures: sum(theirs, (round) => round.webhookFailures),
      }
    : undefined;
  recordThroughput(rounds > 1 ? `${probe} (median of ${rounds} rounds; missing, twice, failures: all rounds)` : probe, oursSummed, theirsSummed);
  if (rounds > 1) ours.forEach((round, index) => record(probe, `replies/s, round ${index + 1}`, 'higher', round.repliesPerS, theirs[index]?.repliesPerS));
  return theirs.at(-1);
}

/** The middle value (of an even count, the lower middle: a round that happened). */
function medianBy<T>(list: T[], of: (item: T) => number): T {
  return [...list].sort((a, b) => of(a) - of(b))[Math.floor((list.length - 1) / 2)]!;
}

function median(values: number[]): number {
  return medianBy(values, (value) => value);
}

/** Above 1: chatmem is better (faster, more, smaller), whichever way the measure counts. */
function ratio(row: { chatmem: number; n8n?: number; better: 'lower' | 'higher' }): number {
  if (row.n8n === undefined) return NaN;
  if (row.better === 'higher') return row.n8n === 0 ? (row.chatmem === 0 ? 1 : Infinity) : row.chatmem / row.n8n;
  return row.chatmem === 0 ? (row.n8n === 0 ? 1 : Infinity) : row.n8n / row.chatmem;
}

/** CPU seconds so far of chatmem's processes, the Temporal server and PostgreSQL (all of its processes). */
function cpuSeconds() {
  const { chatmem, temporal, postgres } = cm.processes();
  return { chatmem: processFootprint(chatmem, temporal).cpuS, temporal: processFootprint(temporal).cpuS, postgres: processFootprint(postgres).cpuS };
}

type CpuSeconds = ReturnType<typeof cpuSeconds>;

/** What each of `messages` cost in CPU between `before` and `after`, ms: on two cores, CPU rather than waiting is what caps throughput. */
function cpuPerMessage(before: CpuSeconds, after: CpuSeconds, messages: number): CpuSeconds {
  const ms = (key: keyof CpuSeconds) => ((after[key] - before[key]) * 1000) / messages;
  return { chatmem: ms('chatmem'), temporal: ms('temporal'), postgres: ms('postgres') };
}

function recordCpu(probe: string, cpuMs: CpuSeconds) {
  record(probe, 'chatmem CPU per message, ms', 'lower', cpuMs.chatmem);
  record(probe, 'Temporal server CPU per message, ms', 'lower', cpuMs.temporal);
  if (cm.db) record(probe, 'PostgreSQL CPU per message, ms', 'lower', cpuMs.postgres);
}

function footprint() {
  const { chatmem, temporal } = cm.processes();
  return { chatmem: processFootprint(chatmem, temporal), temporal: processFootprint(temporal) };
}

function message(chat: string, k: number, token: string) {
  return variant('private-text-incoming.json', { chat, waId: `BENCH${sequence++}X${Date.now()}`, body: `Quero fazer um pedido, msg ${k} #${token}` });
}

interface Latency {
  all: number[];
  firstOfEachChat: number[];
}

/** Webhook → sendText of each message, sorted; and of each chat's first message in the probe (a new chat's: its workflow starts with it). */
async function latencyProbe(messages: number, chats: number, code: string): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < messages; i++) times.push(await webhookToSendText(chatOf(code, i % chats), i, `L${code}-${sequence}`));
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  return { all: sorted(times), firstOfEachChat: sorted(times.slice(0, chats)) };
}

/** One message posted, ms until its reply reached WAHA. */
async function webhookToSendText(chat: string, k: number, token: string): Promise<number> {
  const start = performance.now();
  const status = await cm.post(message(chat, k, token));
  if (status !== 202) throw new Error(`webhook answered ${status}`);
  return ((await withTimeout(cm.replied(token), 30_000, `the reply to ${token}`)) as number) - start;
}

/**
 * A bot whose messages come far apart, as most do: each message QUIET_GAP_S after the reply
 * before, past the idle limits of pooled database connections (pg's own is 10 s) and of
 * kept-alive HTTP connections, in chats the sequential probe already opened.
 */
async function quietProbe(messages: number, sequentialP50: number) {
  const times: number[] = [];
  for (let i = 0; i < messages; i++) {
    await sleep(QUIET_GAP_S * 1000);
    times.push(await webhookToSendText(chatOf(LATENCY_CHATS.code, i % LATENCY_CHATS.count), LATENCY_MESSAGES + i, `Q-${sequence}`));
  }
  const probe = `a message every ${QUIET_GAP_S} s (a quiet bot), ${messages} of them`;
  record(probe, 'webhook → sendText p50, ms', 'lower', percentile(times, 50));
  record(probe, 'p50 / sequential p50', 'lower', percentile(times, 50) / sequentialP50);
}

interface Throughput {
  /** What a user pays for: calls to the model (replies and fact extraction) and to the embeddings endpoint, per 100 messages. */
  callsPer100: { model: number; embeddings: number };
  /** CPU per message, replies and learning, until learning caught up. */
  cpuMs: { chatmem: number; temporal: number; postgres: number };
  /** From the last reply until every chat's learning backlog was empty. */
  learnedS: number;
  repliesPerS: number;
  missing: number;
  duplicates: number;
  webhookFailures: number;
  postToReplyP50: number;
}

async function throughputProbe(options: { messages: number; chats: number; concurrency: number; code: string }): Promise<Throughput> {
  const plan: { chat: string; k: number; token: string }[] = [];
  for (let k = 0; plan.length < options.messages; k++) {
    for (let c = 0; c < options.chats && plan.length < options.messages; c++) plan.push({ chat: chatOf(options.code, c), k, token: `T${options.code}-${c}-${k}-${sequence}` });
  }
  const postedAt = new Map<string, number>();
  let failures = 0;
  let next = 0;
  const cpuBefore = cpuSeconds();
  const callsBefore = { model: cm.openai.requests.length, embeddings: cm.openai.embeddingRequests.length };
  const first = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < plan.length) {
        const item = plan[next++]!;
        postedAt.set(item.token, performance.now());
        if ((await cm.post(message(item.chat, item.k, item.token))) !== 202) failures += 1;
      }
    }),
  );
  const arrived = await Promise.all(plan.map((item) => withTimeout(cm.replied(item.token), drainS * 1000, null).catch(() => null)));
  const answered = arrived.filter((at): at is number => at !== null);
  const last = Math.max(...answered);
  const latencies = plan.flatMap((item, index) => (arrived[index] === null ? [] : [arrived[index]! - postedAt.get(item.token)!])).sort((a, b) => a - b);
  // Learning catches up before the next probe, so each probe starts from an idle chatmem.
  const learned = await waitUntilLearned(plan.map((item) => item.chat));
  return {
    callsPer100: { model: ((cm.openai.requests.length - callsBefore.model) * 100) / plan.length, embeddings: ((cm.openai.embeddingRequests.length - callsBefore.embeddings) * 100) / plan.length },
    cpuMs: cpuPerMessage(cpuBefore, cpuSeconds(), plan.length),
    learnedS: (learned - last) / 1000,
    repliesPerS: answered.length / ((last - first) / 1000),
    missing: plan.length - answered.length,
    duplicates: plan.reduce((sum, item) => sum + Math.max(0, cm.sends(item.token).length - 1), 0),
    webhookFailures: failures,
    postToReplyP50: percentile(latencies, 50),
  };
}

function recordThroughput(probe: string, ours: Throughput, theirs?: PeerThroughput) {
  record(probe, 'replies/s', 'higher', ours.repliesPerS, theirs?.repliesPerS);
  record(probe, `missing after a ${drainS} s drain`, 'lower', ours.missing, theirs?.missingAfterDrain);
  record(probe, 'replies sent twice', 'lower', ours.duplicates, theirs?.duplicateReplies);
  record(probe, 'webhook failures', 'lower', ours.webhookFailures, theirs?.webhookFailures);
  record(probe, 'POST → reply p50, ms', 'lower', ours.postToReplyP50, theirs?.postToReplyMs.p50);
  record(probe, 'learning caught up, s after the last reply', 'lower', ours.learnedS);
  record(probe, 'model calls per 100 messages (replies, facts)', 'lower', ours.callsPer100.model);
  record(probe, 'embeddings calls per 100 messages', 'lower', ours.callsPer100.embeddings);
  recordCpu(probe, ours.cpuMs);
}

/**
 * A busy group nobody asks the bot in: messages spread over `groups` groups, either paced at
 * `perSecond` (is it stored at the rate it arrives?) or posted by 50 senders as fast as the
 * webhook takes them (how many a second can it store?). Learned (embedded, facts) how soon after the last?
 */
async function groupIngestProbe(options: { groups: number; messages: number; perSecond: number | 'unpaced'; code: number }) {
  const groups = Array.from({ length: options.groups }, (_, g) => `120363${String(options.code * 1_000_000 + g).padStart(12, '0')}@g.us`);
  const groupMessage = (i: number) =>
    variant('group-text.json', { chat: groups[i % groups.length]!, waId: `GROUP${sequence++}X${Date.now()}`, body: `no grupo, mensagem ${i}: eu moro em Recife e gosto de futebol` });
  const start = performance.now();
  const statuses: number[] = [];
  if (options.perSecond === 'unpaced') {
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < options.messages) statuses.push(await cm.post(groupMessage(next++)));
      }),
    );
  } else {
    const posts: Promise<number>[] = [];
    for (let i = 0; i < options.messages; i++) {
      const wait = start + (i * 1000) / options.perSecond - performance.now();
      if (wait > 0) await sleep(wait);
      posts.push(cm.post(groupMessage(i)));
    }
    statuses.push(...(await Promise.all(posts)));
  }
  const failed = statuses.filter((status) => status !== 202).length;
  const lastPost = performance.now();
  // A delivery the webhook refused (503) is WAHA's to retry; what it accepted must all be stored.
  const accepted = options.messages - failed;
  let storedAt = NaN;
  const learnedAt = await waitFor(async () => {
    const states = await Promise.all(groups.map((group) => cm.chatState(group).catch(() => null)));
    const stored = states.reduce((sum, state) => sum + (state?.messagesSeen ?? 0), 0);
    if (Number.isNaN(storedAt) && stored >= accepted) storedAt = performance.now();
    return stored >= accepted && states.every((state) => state !== null && state.learningBacklog === 0 && state.queueLength === 0);
  }, 120_000);
  const pace = options.perSecond === 'unpaced' ? `${options.messages} msgs as fast as 50 senders post` : `${options.perSecond} msgs/s for ${options.messages / options.perSecond} s`;
  const probe = `group ingest: ${pace}, ${options.groups} groups, no mention`;
  record(probe, 'messages stored per second', 'higher', accepted / ((storedAt - start) / 1000));
  record(probe, 'learned, s after the last message', 'lower', (learnedAt - lastPost) / 1000);
  record(probe, 'webhook failures', 'lower', failed);
}

/** 1,000,000 messages of 10,000 other chats in the table, then the latency probe again. */
async function bigTableProbe(emptyTable: number[]) {
  if (!cm.db) throw new Error('--big-table measures PostgreSQL; it does not combine with --embedded');
  const fill = performance.now();
  await cm.db.pool.query(`INSERT INTO sessions (waha_session, chat_id, user_id, is_group, last_interaction_at)
     SELECT 'default', 'filler' || g || '@c.us', 'filler' || g || '@c.us', false, now() FROM generate_series(1, 10000) g ON CONFLICT DO NOTHING`);
  await cm.db.pool.query(
    `INSERT INTO messages (session_id, waha_session, role, content, from_me, source, actor_id, wa_id, waha_message_id, created_at)
     SELECT s.id, 'default', CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END, 'filler message ' || n || ' about orders and delivery times',
            n % 2 = 1, 'app', s.chat_id, 'FILL' || s.id || 'X' || n, 'false_' || s.chat_id || '_FILL' || s.id || 'X' || n, now()
       FROM sessions s CROSS JOIN generate_series(1, 100) n WHERE s.chat_id LIKE 'filler%'`,
  );
  await cm.db.pool.query('ANALYZE messages');
  const { rows: count } = await cm.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages');
  const filledS = (performance.now() - fill) / 1000;
  const { all: big } = await latencyProbe(Math.min(LATENCY_MESSAGES, 100), LATENCY_CHATS.count, LATENCY_CHATS.code);
  const probe = `sequential latency with ${Number(count[0]!.n).toLocaleString('en')} rows in messages (filled in ${filledS.toFixed(0)} s)`;
  record(probe, 'p50, ms (empty table in the first row)', 'lower', percentile(big, 50));
  record(probe, 'p50 ratio to the empty table', 'lower', percentile(big, 50) / percentile(emptyTable, 50));
  record(probe, 'p99, ms', 'lower', percentile(big, 99));
}

/** The same load on one worker process and on `count`, all on one PostgreSQL and Temporal. */
async function workersProbe(count: number) {
  const one = await throughputProbe({ ...LOAD, concurrency: 50, code: '81' });
  for (let i = 1; i < count; i++) await cm.addWorker();
  const more = await throughputProbe({ ...LOAD, concurrency: 50, code: '82' });
  await cm.stopWorkers();
  const probe = `workers: c50, 1 process vs ${count}`;
  record(probe, 'replies/s with 1 worker', 'higher', one.repliesPerS);
  record(probe, `replies/s with ${count} workers`, 'higher', more.repliesPerS);
  record(probe, `${count} workers / 1`, 'higher', more.repliesPerS / one.repliesPerS);
}

/** `chats` chats with a live workflow each (one message each), then the worker's footprint and a latency probe. */
async function liveChatsProbe(chats: number) {
  const before = footprint();
  const start = performance.now();
  let next = 0;
  let failures = 0;
  const tokens: string[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < chats) {
        const i = next++;
        const token = `C-${i}-${sequence}`;
        tokens.push(token);
        if ((await cm.post(message(chatOf('71', i), 0, token))) !== 202) failures += 1;
      }
    }),
  );
  const answered = (await Promise.all(tokens.map((token) => withTimeout(cm.replied(token), 900_000, null).catch(() => null)))).filter((at) => at !== null).length;
  const seconds = (performance.now() - start) / 1000;
  const after = footprint();
  const { all: latency } = await latencyProbe(50, 50, '71');
  const probe = `${chats.toLocaleString('en')} live chats`;
  record(probe, 'answered', 'higher', answered);
  record(probe, 'seconds to answer them all', 'lower', seconds);
  record(probe, 'webhook failures', 'lower', failures);
  record(probe, 'chatmem RSS before / after, MiB', 'lower', before.chatmem.rssMiB);
  record(probe, 'chatmem RSS after, MiB', 'lower', after.chatmem.rssMiB);
  record(probe, 'chatmem peak RSS, MiB', 'lower', after.chatmem.peakMiB);
  record(probe, 'Temporal server RSS after, MiB', 'lower', after.temporal.rssMiB);
  record(probe, 'then sequential p50 on 50 of those chats, ms', 'lower', percentile(latency, 50));
}

async function waitUntilLearned(chats: string[]): Promise<number> {
  const distinct = [...new Set(chats)];
  return waitFor(async () => (await Promise.all(distinct.map((chat) => cm.chatState(chat).catch(() => null)))).every((state) => state && state.learningBacklog === 0 && state.queueLength === 0), 300_000);
}

/** When `check` first held (NaN: not within `timeoutMs`, and the table shows NaN), asked every 250 ms so the asking adds little load. */
function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  return eventually(check, 'a bench condition', timeoutMs, 250).then(
    () => performance.now(),
    () => NaN,
  );
}

function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F | string): Promise<T | F> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      if (typeof fallback === 'string') throw new Error(`timed out waiting for ${fallback}`);
      return fallback;
    }),
  ]);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
