import { msToNumber, type Duration } from '@temporalio/common';
import { z } from 'zod';
import { QUEUED_REPLY_MODES } from './domain/queued-replies.js';
import { RECALL_MODES } from './domain/recall.js';
import { GROUP_REPLY_MODES } from './domain/reply-policy.js';
import { WHATSAPP_MAX_TEXT_CHARS } from './domain/safe-text.js';
import { MAX_MODEL_CALL_MS } from './domain/model-step-limits.js';
import { LOCAL_EMBEDDING_DIMENSIONS, LOCAL_EMBEDDING_MODEL } from './clients/local-embedder.js';
import { DEFAULT_IDLE_TIMEOUT_MS } from './stores/sql/postgres-database.js';

export const EMBEDDING_PROVIDERS = ['local', 'openai'] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** 262,144 characters of the worst kind (escaped in JSON) still fit in Temporal's 2 MB payload limit. */
export const MAX_MESSAGE_CHARS_CEILING = 262_144;

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful WhatsApp assistant. Answer briefly and in the language the person writes in.';

/** What stands where no API key is needed (offline mode, the local embedder, a keyless endpoint). */
export const NO_API_KEY = 'not-needed';

// What the text of one environment variable may be. An unset or blank variable arrives as
// undefined, so `.default(…)` is what an unset variable means.

function wholeNumber(min: number, max: number) {
  const error = (issue: { input?: unknown }) => `'${issue.input}' is not a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^[+-]?\d+$/, { error })
    .transform(Number)
    .pipe(z.number().min(min, { error }).max(max, { error }));
}

function url(protocols = ['http:', 'https:']) {
  const error = (issue: { input?: unknown }) => `'${issue.input}' is not a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`;
  return z
    .string()
    .refine((raw) => URL.canParse(raw) && protocols.includes(new URL(raw).protocol), { error })
    .transform((raw) => raw.replace(/\/+$/, ''));
}

/** `30m`, `90s`, `2h`, `500ms`, `1d`, or a plain number of milliseconds (Temporal's own duration strings). */
const duration = z.string().transform((raw, ctx) => {
  const ms = durationMs(raw);
  if (ms !== null) return ms;
  ctx.issues.push({ code: 'custom', input: raw, message: `'${raw}' is not a duration such as 30m, 90s, 2h or 500ms` });
  return z.NEVER;
});

function durationMs(raw: string): number | null {
  try {
    const ms = msToNumber(raw as Duration);
    return Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : null;
  } catch {
    return null;
  }
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => `'${issue.input}' is not one of ${values.join(', ')}` });
}

const text = z.string();
const flag = oneOf(['true', 'false']).transform((value) => value === 'true');

/** One setting: the environment variable it is read from and the schema of its text. */
class Setting<T> {
  constructor(
    readonly env: string,
    readonly schema: z.ZodType<T>,
  ) {}
}
const from = <T>(env: string, schema: z.ZodType<T>) => new Setting(env, schema);

/**
 * Every setting, one line each, in the shape the code reads it (`config.chat.debounceMs`).
 * A new setting is a line here and its use. The `chat` and `context` sections reach the
 * activities as they are; a setting the chat workflow acts on also needs its field in
 * ChatSettings (src/domain/chat-settings.ts), the workflow's side of the contract.
 */
const SETTINGS = {
  port: from('PORT', wholeNumber(0, 65535).default(8080)),
  /** `npm run start:worker` alone serves /metrics, /readyz and /healthz here. */
  metricsPort: from('METRICS_PORT', wholeNumber(0, 65535).default(9464)),
  /** Where zero-config state lives: the embedded Temporal server's and PGlite's files. */
  dataDir: from('CHATMEM_DATA_DIR', text.default('.data')),
  /**
   * Logs: `json` lines (pino), or `pretty` one-line text for a person; `auto` is pretty on a
   * terminal and JSON elsewhere. `level` null: `warn` when pretty (a quiet terminal), else `info`.
   */
  log: {
    format: from('LOG_FORMAT', oneOf(LOG_FORMATS).default('auto')),
    level: from('LOG_LEVEL', oneOf(LOG_LEVELS).nullable().default(null)),
  },
  /** `address` null: `npm start` runs a Temporal dev server itself on 127.0.0.1:devPort, its Web UI on uiPort. */
  temporal: {
    address: from('TEMPORAL_ADDRESS', text.nullable().default(null)),
    namespace: from('TEMPORAL_NAMESPACE', text.default('default')),
    taskQueue: from('TEMPORAL_TASK_QUEUE', text.default('chatmem')),
    devPort: from('TEMPORAL_DEV_PORT', wholeNumber(1, 65535).default(7233)),
    uiPort: from('TEMPORAL_UI_PORT', wholeNumber(1, 65535).default(8233)),
  },
  /** null: PGlite in `<dataDir>/pglite`, pgvector included. */
  databaseUrl: from('DATABASE_URL', url(['postgres:', 'postgresql:']).nullable().default(null)),
  /** Connections each worker process opens to DATABASE_URL. */
  databasePoolSize: from('DATABASE_POOL_SIZE', wholeNumber(1, 1000).default(20)),
  /** How long a connection to DATABASE_URL may sit idle before it is closed (0: never): a message after a quiet spell then finds one ready. */
  databaseIdleTimeoutMs: from('DATABASE_IDLE_TIMEOUT', duration.default(DEFAULT_IDLE_TIMEOUT_MS)),
  /** Statements prepared once per connection; `false` behind a pooler in transaction mode (PgBouncer before 1.21, Supavisor), which cannot keep them. */
  databasePreparedStatements: from('DATABASE_PREPARED_STATEMENTS', flag.default(true)),
  /** Chats a worker process answers at the same time (each waits on its model call). */
  maxConcurrentReplies: from('MAX_CONCURRENT_REPLIES', wholeNumber(2, 10_000).default(200)),
  /** Chats whose workflow a worker process keeps in memory between messages (Temporal's sticky cache); the others replay their history when they are next needed. */
  maxCachedChats: from('MAX_CACHED_CHATS', wholeNumber(2, 1_000_000).default(500)),
  /** How long a stopping worker waits for the work in flight before it stops anyway. */
  shutdownTimeoutMs: from('SHUTDOWN_TIMEOUT', duration.default(20_000)),
  /** No key and no base URL: offline mode, a local deterministic model answers. */
  openai: {
    apiKey: from('OPENAI_API_KEY', text.nullable().default(null)),
    baseUrl: from('OPENAI_BASE_URL', url().nullable().default(null)),
    chatModel: from('CHAT_MODEL', text.default('gpt-4o-mini')),
    /** At most MAX_MODEL_CALL_MS: a call must end inside the step that makes it. */
    timeoutMs: from('OPENAI_TIMEOUT_MS', wholeNumber(1_000, MAX_MODEL_CALL_MS).default(60_000)),
  },
  /** Voice notes are transcribed with `transcribeModel`, images described by `visionModel` (null: CHAT_MODEL); larger files are not read. */
  media: {
    transcribeModel: from('TRANSCRIBE_MODEL', text.default('whisper-1')),
    visionModel: from('VISION_MODEL', text.nullable().default(null)),
    // WhatsApp sends voice notes and images of up to 16 MB.
    maxBytes: from('MEDIA_MAX_BYTES', wholeNumber(1024, 100 * 1024 * 1024).default(16 * 1024 * 1024)),
  },
  /** Typing time, message splitting and the send rate of replies (PacingSettings). */
  pacing: {
    // About a fast typist's pace, capped so that a long answer is not held back for long.
    typingMsPerChar: from('TYPING_MS_PER_CHAR', wholeNumber(0, 1000).default(25)),
    typingMaxMs: from('TYPING_MAX_MS', wholeNumber(0, 60_000).default(4000)),
    maxMessageChars: from('MAX_MESSAGE_CHARS', wholeNumber(100, WHATSAPP_MAX_TEXT_CHARS).default(1500)),
    sendRatePerMinute: from('SEND_RATE_PER_MINUTE', wholeNumber(0, 6000).default(0)),
    mentionAsker: from('GROUP_MENTION_ASKER', flag.default(true)),
  },
  waha: {
    url: from('WAHA_URL', url().default('http://localhost:3000')),
    apiKey: from('WAHA_API_KEY', text.nullable().default(null)),
    webhookHmacKey: from('WAHA_WEBHOOK_HMAC_KEY', text.nullable().default(null)),
  },
  /** What was set; `embeddingsFrom` turns it into the provider's settings (null: that provider's default). */
  embeddings: {
    provider: from('EMBEDDING_PROVIDER', oneOf(EMBEDDING_PROVIDERS).nullable().default(null)),
    model: from('EMBEDDING_MODEL', text.nullable().default(null)),
    dimensions: from('EMBEDDING_DIMENSIONS', wholeNumber(8, 8192).nullable().default(null)),
    baseUrl: from('EMBEDDING_BASE_URL', url().nullable().default(null)),
    apiKey: from('EMBEDDING_API_KEY', text.nullable().default(null)),
    localThreads: from('EMBEDDING_THREADS', wholeNumber(1, 16).default(1)),
  },
  /** `dataDir` null: `<dataDir>/vectors`. */
  vectors: {
    qdrantUrl: from('QDRANT_URL', url().nullable().default(null)),
    qdrantApiKey: from('QDRANT_API_KEY', text.nullable().default(null)),
    dataDir: from('VECTOR_DATA_DIR', text.nullable().default(null)),
  },
  /** What the chat workflow acts on (ChatSettings): read by its `chatSettings` step. */
  chat: {
    groupReply: from('GROUP_REPLY', oneOf(GROUP_REPLY_MODES).default('mention')),
    debounceMs: from('DEBOUNCE_MS', wholeNumber(0, 600_000).default(2000)),
    takeoverPauseMs: from('TAKEOVER_PAUSE', duration.default(30 * 60_000)),
    replyDeadlineMs: from('REPLY_DEADLINE', duration.default(60 * 60_000)),
    summaryTokenLimit: from('SUMMARY_TOKEN_LIMIT', wholeNumber(50, 1_000_000).default(3000)),
    learningPauseMs: from('LEARNING_PAUSE', duration.default(5000)),
  },
  /** What goes into the model's prompt: the activities read this section as it is. */
  context: {
    stmWindow: from('STM_WINDOW', wholeNumber(1, 1000).default(20)),
    systemPrompt: from('SYSTEM_PROMPT', text.default(DEFAULT_SYSTEM_PROMPT)),
    contextTokenBudget: from('CONTEXT_TOKEN_BUDGET', wholeNumber(200, 1_000_000).default(6000)),
    ltmTopK: from('LTM_TOP_K', wholeNumber(0, 100).default(20)),
    recall: from('RECALL', oneOf(RECALL_MODES).default('hybrid')),
    knowledgeTopK: from('KNOWLEDGE_TOP_K', wholeNumber(0, 100).default(8)),
    summaryModel: from('SUMMARY_MODEL', text.default('gpt-4o-mini')),
    replyMaxTokens: from('REPLY_MAX_TOKENS', wholeNumber(1, 1_000_000).nullable().default(null)),
    queuedReplies: from('QUEUED_REPLIES', oneOf(QUEUED_REPLY_MODES).default('in-turn')),
  },
  webhookBodyLimitBytes: from('WEBHOOK_BODY_LIMIT_BYTES', wholeNumber(1024, 100 * 1024 * 1024).default(2 * 1024 * 1024)),
  webhookDeliveries: {
    maxInFlight: from('WEBHOOK_MAX_IN_FLIGHT', wholeNumber(1, 10_000).default(64)),
    maxQueued: from('WEBHOOK_MAX_QUEUED', wholeNumber(0, 100_000).default(256)),
  },
  /**
   * Longer message text is stored (and answered) up to here, with a marker saying how much
   * was cut. The message travels in a Temporal signal, and Temporal refuses payloads over 2 MB.
   */
  maxMessageCharsStored: from('MAX_MESSAGE_CHARS_STORED', wholeNumber(256, MAX_MESSAGE_CHARS_CEILING).default(WHATSAPP_MAX_TEXT_CHARS)),
};

type SettingsTree = { readonly [key: string]: Setting<unknown> | SettingsTree };
type Read<T> = T extends Setting<infer V> ? V : { -readonly [K in keyof T]: Read<T[K]> };
type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Config = ReturnType<typeof completed>;

/**
 * Reads and validates the environment in one place. Every bad value is reported, one line
 * each, so an operator fixes them all in one go.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const config = completed(readTree(SETTINGS, env, problems), problems);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function readTree<T extends SettingsTree>(tree: T, env: Env, problems: string[]): Read<T> {
  const entries = Object.entries(tree).map(([key, node]) => [key, node instanceof Setting ? readSetting(node, env, problems) : readTree(node, env, problems)]);
  return Object.fromEntries(entries) as Read<T>;
}

/** A bad value is reported and its default used, so the settings that depend on it are still checked. */
function readSetting<T>(setting: Setting<T>, env: Env, problems: string[]): T {
  const parsed = setting.schema.safeParse(env[setting.env]?.trim() || undefined);
  if (parsed.success) return parsed.data;
  problems.push(`${setting.env}: ${parsed.error.issues[0]?.message}`);
  return setting.schema.parse(undefined);
}

/** The settings whose meaning depends on others: the embedded parts, offline mode, the embeddings provider. */
function completed(settings: Read<typeof SETTINGS>, problems: string[]) {
  const { temporal, openai, media, vectors } = settings;
  // A chat being answered stays in memory for its whole reply.
  if (settings.maxCachedChats < settings.maxConcurrentReplies) {
    problems.push(`MAX_CACHED_CHATS: ${settings.maxCachedChats} is less than MAX_CONCURRENT_REPLIES (${settings.maxConcurrentReplies}); a chat being answered is kept in memory`);
  }
  return {
    ...settings,
    temporal: { ...temporal, address: temporal.address ?? `127.0.0.1:${temporal.devPort}`, embedded: temporal.address === null },
    offline: !openai.apiKey && !openai.baseUrl,
    openai: { ...openai, apiKey: openai.apiKey ?? NO_API_KEY },
    media: { ...media, visionModel: media.visionModel ?? openai.chatModel },
    embeddings: embeddingsFrom(settings, problems),
    vectors: { ...vectors, dataDir: vectors.dataDir ?? `${settings.dataDir}/vectors` },
  };
}

/**
 * Embeddings are configured apart from the chat model. With no key and no embeddings
 * endpoint the local model runs: a bot with no outside service still has real memory.
 */
function embeddingsFrom({ embeddings, openai }: Read<typeof SETTINGS>, problems: string[]) {
  const apiKey = embeddings.apiKey ?? openai.apiKey;
  const provider: EmbeddingProvider = embeddings.provider ?? (apiKey || embeddings.baseUrl ? 'openai' : 'local');
  const { localThreads } = embeddings;
  if (provider === 'local') {
    if (embeddings.model !== null && embeddings.model !== LOCAL_EMBEDDING_MODEL) problems.push(`EMBEDDING_MODEL: the local provider runs ${LOCAL_EMBEDDING_MODEL} only; set EMBEDDING_PROVIDER=openai for '${embeddings.model}'`);
    if (embeddings.dimensions !== null && embeddings.dimensions !== LOCAL_EMBEDDING_DIMENSIONS) problems.push(`EMBEDDING_DIMENSIONS: ${LOCAL_EMBEDDING_MODEL} gives ${LOCAL_EMBEDDING_DIMENSIONS} dimensions, not ${embeddings.dimensions}`);
    return { provider, model: LOCAL_EMBEDDING_MODEL, dimensions: LOCAL_EMBEDDING_DIMENSIONS, baseUrl: null as string | null, apiKey: NO_API_KEY, localThreads };
  }
  if (!apiKey && !embeddings.baseUrl && !openai.baseUrl) problems.push('EMBEDDING_PROVIDER: openai needs EMBEDDING_API_KEY (or OPENAI_API_KEY) or EMBEDDING_BASE_URL');
  return {
    provider,
    model: embeddings.model ?? 'text-embedding-3-small',
    dimensions: embeddings.dimensions ?? 1536,
    baseUrl: embeddings.baseUrl ?? openai.baseUrl,
    apiKey: apiKey ?? NO_API_KEY,
    localThreads,
  };
}
