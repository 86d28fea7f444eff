/**
 * chatmem as a user runs it, in processes of its own, against stand-ins for OpenAI and WAHA
 * that run in the bench's process (so a reply's arrival is timed on the bench's clock).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { chatWorkflowId } from '../src/domain/chat-workflow-id.js';
import { postWebhook } from '../src/simulator/webhook-poster.js';
import { stateQuery } from '../src/workflows/chat-workflow.js';
import { startOpenAiStandIn } from '../test/support/openai-standin.js';
import { createTestDatabase, ensurePostgresRunning } from '../test/support/postgres.js';
import { installedPgvectorPostgres, startPrivatePostgres } from '../test/support/private-postgres.js';
import { runInstallScript } from '../src/embedded/project-tools.js';
import { ANSWER_AT_ONCE, freePort, startTemporal } from '../test/support/stack.js';
import { startWahaStandIn } from '../test/support/waha-standin.js';
import { resolveTemporalCli } from '../src/embedded/temporal-cli.js';

const HMAC_KEY = 'bench-hmac-key';
const WAHA_KEY = 'bench-waha-key';

export interface ChatmemOptions {
  /** `npm start` with nothing configured: its own Temporal dev server and PGlite. */
  embedded?: boolean;
  /** As the Docker image runs it: `npm run build` first, then node on dist/ with the prebuilt workflow bundle (else tsx on src/, as `npm start`). */
  prod?: boolean;
  /**
   * chatmem's database on a PostgreSQL 16 with pgvector (a private cluster from
   * `npm run setup:pgvector`, installed if missing), so the vectors live in the server, as
   * with the pgvector image;
   * else the machine's PostgreSQL, which has no pgvector here, and the vectors in PGlite
   * inside chatmem's process.
   */
  pgvector?: boolean;
  env?: Record<string, string>;
}

export async function startChatmem(options: ChatmemOptions = {}) {
  await ensurePostgresRunning();
  const temporal = options.embedded ? null : await startTemporal(resolveTemporalCli());
  const withPgvector = !options.embedded && !!options.pgvector;
  if (withPgvector && !installedPgvectorPostgres()) runInstallScript('install-pgvector-postgres.sh');
  const cluster = withPgvector ? await startPrivatePostgres({ pgvector: true }) : null;
  const db = options.embedded ? null : await createTestDatabase(cluster?.adminUrl);
  const openai = await startOpenAiStandIn();
  const waha = await startWahaStandIn({ apiKey: WAHA_KEY, hmacKey: HMAC_KEY });
  const dataDir = mkdtempSync(`${tmpdir()}/chatmem-bench-`);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: '0',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: openai.baseUrl,
    WAHA_URL: waha.url,
    WAHA_API_KEY: WAHA_KEY,
    WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY,
    // n8n answers each message at once, with no "typing…" time; so does chatmem here.
    ...ANSWER_AT_ONCE,
    CHATMEM_DATA_DIR: dataDir,
    VECTOR_DATA_DIR: `${dataDir}/vectors`,
    METRICS_PORT: '0',
    ...(temporal ? { TEMPORAL_ADDRESS: temporal.address } : { TEMPORAL_DEV_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()) }),
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...options.env,
  };

  if (options.prod) execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const entry = (name: 'main' | 'worker') => (options.prod ? `dist/${name}.js` : `src/${name}.ts`);
  const main = spawnChatmem(entry('main'), env);
  const webhookUrl = await main.line(/POST (http[^\s,]+)/);
  waha.setWebhookUrl(webhookUrl);
  const vectorStore = await main.line(/long-term memory: ([^)]+)\)/);
  const temporalAddress = temporal?.address ?? (await main.line(/starting a Temporal dev server on (\S+)/));
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const workers: ReturnType<typeof spawnChatmem>[] = [];

  const refusals: string[] = [];
  const waiting = new Map<string, (at: number) => void>();
  const sentAt = new Map<string, number[]>();
  waha.onSent((call) => {
    const token = call.text.match(/#(\S+?) \[/)?.[1] ?? call.text.match(/#(\S+)/)?.[1];
    if (!token) return;
    const at = performance.now();
    sentAt.set(token, [...(sentAt.get(token) ?? []), at]);
    waiting.get(token)?.(at);
  });

  return {
    webhookUrl,
    /** Where chatmem keeps long-term memory, as its start banner says (`pgvector:postgres`, `pglite:<folder>`…). */
    vectorStore,
    openai,
    waha,
    client,
    db,
    /** The PIDs of chatmem's processes (webhook + worker, extra workers), of the Temporal server and of PostgreSQL's (none with PGlite). */
    processes: () => ({ chatmem: [main.pid, ...workers.map((worker) => worker.pid)], temporal: temporalServerPids(), postgres: db ? pidsNamed('postgres') : [] }),
    /** The webhook's answer to a delivery (0: not reachable); any other than 202 is kept in `refusals`. */
    async post(event: unknown): Promise<number> {
      const { status, text } = await postWebhook(webhookUrl, event, HMAC_KEY);
      if (status !== 202) refusals.push(`${status} ${text.slice(0, 160)}`);
      return status;
    },
    /** Every delivery the webhook did not take (status and the start of its answer), so a failure in the table can be told apart. */
    refusals: refusals as readonly string[],
    /** Resolves when WAHA gets the reply carrying `#token`, with the bench clock's time of arrival. */
    replied(token: string): Promise<number> {
      const already = sentAt.get(token)?.[0];
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve) => waiting.set(token, resolve));
    },
    /** Every arrival time of the replies carrying each token (more than one: a duplicate send). */
    sends: (token: string) => sentAt.get(token) ?? [],
    async chatState(chatId: string) {
      return client.workflow.getHandle(chatWorkflowId('default', chatId)).query(stateQuery);
    },
    /** Another worker process on the same Temporal and PostgreSQL. */
    async addWorker() {
      const worker = spawnChatmem(entry('worker'), env);
      await worker.line(/chatmem worker: polling/);
      workers.push(worker);
    },
    async stopWorkers() {
      for (const worker of workers.splice(0)) await worker.stop();
    },
    async stop() {
      await waha.close();
      for (const worker of workers) await worker.stop();
      await main.stop();
      await connection.close();
      await openai.close();
      await temporal?.teardown();
      await db?.drop();
      await cluster?.destroy();
    },
  };
}

export type Chatmem = Awaited<ReturnType<typeof startChatmem>>;

function spawnChatmem(entry: string, env: Record<string, string>) {
  // e.g. CHATMEM_BENCH_NODE_ARGS=--cpu-prof to see where chatmem's time goes.
  const nodeArgs = (process.env.CHATMEM_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...loader, entry], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  const watchers: { pattern: RegExp; resolve: (value: string) => void }[] = [];
  // Keep reading stdout for the whole run: a full pipe would stall its logging.
  child.stdout!.on('data', (chunk: Buffer) => {
    if (seen.length < 100_000) seen += chunk.toString();
    for (const watcher of [...watchers]) {
      const match = seen.match(watcher.pattern);
      if (match) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(match.slice(1).find(Boolean)!);
      }
    }
  });
  const exited = once(child, 'exit');
  return {
    pid: child.pid!,
    line(pattern: RegExp): Promise<string> {
      const match = seen.match(pattern);
      if (match) return Promise.resolve(match.slice(1).find(Boolean)!);
      return Promise.race([
        new Promise<string>((resolve) => watchers.push({ pattern, resolve })),
        exited.then(([code]) => Promise.reject(new Error(`${entry} exited with ${code} before printing ${pattern}`))),
      ]);
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** The processes whose /proc `file` (comm, cmdline) passes `test`. */
function pidsWhere(file: 'comm' | 'cmdline', test: (content: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return test(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const pidsNamed = (name: string) => pidsWhere('comm', (comm) => comm.trim() === name);
const temporalServerPids = () => pidsWhere('cmdline', (cmdline) => /temporal\S*\0server\0start-dev/.test(cmdline));

/** Resident and peak memory (MiB) and CPU seconds of processes, children included, ended ones too (but not those of `except`). */
export function processFootprint(pids: number[], except: number[] = []): { rssMiB: number; peakMiB: number; cpuS: number } {
  let rssMiB = 0;
  let peakMiB = 0;
  let cpuS = 0;
  const excluded = new Set(withDescendants(except));
  for (const pid of withDescendants(pids).filter((pid) => !excluded.has(pid))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
      rssMiB += kb('VmRSS') / 1024;
      peakMiB += kb('VmHWM') / 1024;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime + stime, and those of children that ended and were waited for: PostgreSQL's
      // backends come and go with the pool's connections, and their CPU stays counted.
      cpuS += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return { rssMiB, peakMiB, cpuS };
}

function withDescendants(pids: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const all = new Set<number>();
  const visit = (pid: number) => {
    if (all.has(pid)) return;
    all.add(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  pids.forEach(visit);
  return [...all];
}
