import type { PacingSettings } from './domain/reply-pacing.js';
import { RECALL_MODES, type RecallMode } from './domain/recall.js';
import { GROUP_REPLY_MODES, type GroupReplyMode } from './domain/reply-policy.js';
import { WHATSAPP_MAX_TEXT_CHARS } from './domain/safe-text.js';
import { LOCAL_EMBEDDING_DIMENSIONS, LOCAL_EMBEDDING_MODEL } from './clients/local-embedder.js';

export const EMBEDDING_PROVIDERS = ['local', 'openai'] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

export interface Config {
  port: number;
  /** `npm run start:worker` alone serves /metrics, /readyz and /healthz here. */
  metricsPort: number;
  /** Where zero-config state lives: the embedded Temporal server's and PGlite's files. */
  dataDir: string;
  /**
   * Logs: `json` lines (pino), or `pretty` one-line text for a person; `auto` is pretty on a
   * terminal and JSON elsewhere. `level` null: `warn` when pretty (a quiet terminal), else `info`.
   */
  log: { format: (typeof LOG_FORMATS)[number]; level: (typeof LOG_LEVELS)[number] | null };
  /**
   * `embedded`: no TEMPORAL_ADDRESS was given, so `npm start` runs a Temporal dev server
   * itself on `address` (127.0.0.1:devPort) with its Web UI on uiPort.
   */
  temporal: { address: string; namespace: string; taskQueue: string; embedded: boolean; devPort: number; uiPort: number };
  /** null: PGlite in `<dataDir>/pglite`, pgvector included. */
  databaseUrl: string | null;
  /** Connections each worker process opens to DATABASE_URL. */
  databasePoolSize: number;
  /** Chats a worker process answers at the same time (each waits on its model call). */
  maxConcurrentReplies: number;
  /** How long a stopping worker waits for the work in flight before it stops anyway. */
  shutdownTimeoutMs: number;
  /** No OPENAI_API_KEY and no OPENAI_BASE_URL: a local deterministic model answers. */
  offline: boolean;
  openai: { apiKey: string; baseUrl: string | null; chatModel: string; timeoutMs: number };
  /** Voice notes are transcribed with `transcribeModel`, images described by `visionModel`; larger files are not read. */
  media: { transcribeModel: string; visionModel: string; maxBytes: number };
  /** Typing time, message splitting and the send rate of replies. */
  pacing: PacingSettings;
  waha: { url: string; apiKey: string | null; webhookHmacKey: string | null };
  /**
   * `local`: all-MiniLM-L6-v2 in worker threads of this process (384 dimensions, nothing
   * leaves the machine). `openai`: any OpenAI-compatible embeddings endpoint.
   */
  embeddings: { provider: EmbeddingProvider; model: string; dimensions: number; baseUrl: string | null; apiKey: string; localThreads: number };
  vectors: { qdrantUrl: string | null; qdrantApiKey: string | null; dataDir: string };
  summary: { model: string; tokenLimit: number };
  contextTokenBudget: number;
  ltmTopK: number;
  recall: RecallMode;
  knowledgeTopK: number;
  debounceMs: number;
  takeoverPauseMs: number;
  replyDeadlineMs: number;
  stmWindow: number;
  groupReply: GroupReplyMode;
  webhookBodyLimitBytes: number;
  webhookDeliveries: { maxInFlight: number; maxQueued: number };
  /** Longer message text is stored (and answered) up to here, with a marker saying how much was cut. */
  maxMessageCharsStored: number;
  systemPrompt: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** 262,144 characters of the worst kind (escaped in JSON) still fit in Temporal's 2 MB payload limit. */
export const MAX_MESSAGE_CHARS_CEILING = 262_144;

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful WhatsApp assistant. Answer briefly and in the language the person writes in.';

type Env = Record<string, string | undefined>;

/** What stands where no API key is needed (offline mode, the local embedder, a keyless endpoint). */
export const NO_API_KEY = 'not-needed';

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/**
 * Reads and validates the environment in one place. Every bad value is reported, one line
 * each, so an operator fixes them all in one go.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const openaiKey = read.string('OPENAI_API_KEY');
  const openaiBaseUrl = read.url('OPENAI_BASE_URL');
  const dataDir = read.string('CHATMEM_DATA_DIR') ?? '.data';
  const temporalAddress = read.string('TEMPORAL_ADDRESS');
  const devPort = read.integer('TEMPORAL_DEV_PORT', 7233, 1, 65535);

  const config: Config = {
    port: read.integer('PORT', 8080, 0, 65535),
    metricsPort: read.integer('METRICS_PORT', 9464, 0, 65535),
    dataDir,
    log: { format: read.oneOf('LOG_FORMAT', LOG_FORMATS, 'auto'), level: env.LOG_LEVEL === undefined ? null : read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info') },
    temporal: {
      address: temporalAddress ?? `127.0.0.1:${devPort}`,
      namespace: read.string('TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: read.string('TEMPORAL_TASK_QUEUE') ?? 'chatmem',
      embedded: temporalAddress === null,
      devPort,
      uiPort: read.integer('TEMPORAL_UI_PORT', 8233, 1, 65535),
    },
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: read.integer('DATABASE_POOL_SIZE', 20, 1, 1000),
    maxConcurrentReplies: read.integer('MAX_CONCURRENT_REPLIES', 200, 2, 10_000),
    shutdownTimeoutMs: read.duration('SHUTDOWN_TIMEOUT', 20_000),
    offline: !openaiKey && !openaiBaseUrl,
    openai: {
      apiKey: openaiKey ?? NO_API_KEY,
      baseUrl: openaiBaseUrl,
      chatModel: read.string('CHAT_MODEL') ?? 'gpt-4o-mini',
      timeoutMs: read.integer('OPENAI_TIMEOUT_MS', 60_000, 1_000, 600_000),
    },
    media: {
      transcribeModel: read.string('TRANSCRIBE_MODEL') ?? 'whisper-1',
      visionModel: read.string('VISION_MODEL') ?? read.string('CHAT_MODEL') ?? 'gpt-4o-mini',
      // WhatsApp sends voice notes and images of up to 16 MB.
      maxBytes: read.integer('MEDIA_MAX_BYTES', 16 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    },
    pacing: {
      // About a fast typist's pace, capped so that a long answer is not held back for long.
      typingMsPerChar: read.integer('TYPING_MS_PER_CHAR', 25, 0, 1000),
      typingMaxMs: read.integer('TYPING_MAX_MS', 4000, 0, 60_000),
      maxMessageChars: read.integer('MAX_MESSAGE_CHARS', 1500, 100, WHATSAPP_MAX_TEXT_CHARS),
      sendRatePerMinute: read.integer('SEND_RATE_PER_MINUTE', 0, 0, 6000),
      mentionAsker: read.oneOf('GROUP_MENTION_ASKER', ['true', 'false'], 'true') === 'true',
    },
    waha: {
      url: read.url('WAHA_URL') ?? 'http://localhost:3000',
      apiKey: read.string('WAHA_API_KEY'),
      webhookHmacKey: read.string('WAHA_WEBHOOK_HMAC_KEY'),
    },
    embeddings: readEmbeddings(read, { openaiKey, openaiBaseUrl }),
    vectors: {
      qdrantUrl: read.url('QDRANT_URL'),
      qdrantApiKey: read.string('QDRANT_API_KEY'),
      dataDir: read.string('VECTOR_DATA_DIR') ?? `${dataDir}/vectors`,
    },
    summary: {
      model: read.string('SUMMARY_MODEL') ?? 'gpt-4o-mini',
      tokenLimit: read.integer('SUMMARY_TOKEN_LIMIT', 3000, 50, 1_000_000),
    },
    contextTokenBudget: read.integer('CONTEXT_TOKEN_BUDGET', 6000, 200, 1_000_000),
    ltmTopK: read.integer('LTM_TOP_K', 20, 0, 100),
    recall: read.oneOf('RECALL', RECALL_MODES, 'hybrid'),
    knowledgeTopK: read.integer('KNOWLEDGE_TOP_K', 8, 0, 100),
    debounceMs: read.integer('DEBOUNCE_MS', 2000, 0, 600_000),
    takeoverPauseMs: read.duration('TAKEOVER_PAUSE', 30 * 60_000),
    replyDeadlineMs: read.duration('REPLY_DEADLINE', 60 * 60_000),
    stmWindow: read.integer('STM_WINDOW', 20, 1, 1000),
    groupReply: read.oneOf('GROUP_REPLY', GROUP_REPLY_MODES, 'mention'),
    webhookBodyLimitBytes: read.integer('WEBHOOK_BODY_LIMIT_BYTES', 2 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    webhookDeliveries: {
      maxInFlight: read.integer('WEBHOOK_MAX_IN_FLIGHT', 64, 1, 10_000),
      maxQueued: read.integer('WEBHOOK_MAX_QUEUED', 256, 0, 100_000),
    },
    // The message travels in a Temporal signal, and Temporal refuses payloads over 2 MB.
    maxMessageCharsStored: read.integer('MAX_MESSAGE_CHARS_STORED', WHATSAPP_MAX_TEXT_CHARS, 256, MAX_MESSAGE_CHARS_CEILING),
    systemPrompt: read.string('SYSTEM_PROMPT') ?? DEFAULT_SYSTEM_PROMPT,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * Embeddings are configured apart from the chat model. With no key and no embeddings
 * endpoint the local model runs: a bot with no outside service still has real memory.
 */
function readEmbeddings(read: EnvReader, chat: { openaiKey: string | null; openaiBaseUrl: string | null }): Config['embeddings'] {
  const apiKey = read.string('EMBEDDING_API_KEY') ?? chat.openaiKey;
  const baseUrl = read.url('EMBEDDING_BASE_URL');
  const provider = read.oneOf('EMBEDDING_PROVIDER', EMBEDDING_PROVIDERS, apiKey || baseUrl ? 'openai' : 'local');
  const localThreads = read.integer('EMBEDDING_THREADS', 1, 1, 16);
  if (provider === 'local') {
    const model = read.string('EMBEDDING_MODEL');
    const dimensions = read.integer('EMBEDDING_DIMENSIONS', LOCAL_EMBEDDING_DIMENSIONS, 8, 8192);
    if (model !== null && model !== LOCAL_EMBEDDING_MODEL) read.problem(`EMBEDDING_MODEL: the local provider runs ${LOCAL_EMBEDDING_MODEL} only; set EMBEDDING_PROVIDER=openai for '${model}'`);
    if (dimensions !== LOCAL_EMBEDDING_DIMENSIONS) read.problem(`EMBEDDING_DIMENSIONS: ${LOCAL_EMBEDDING_MODEL} gives ${LOCAL_EMBEDDING_DIMENSIONS} dimensions, not ${dimensions}`);
    return { provider, model: LOCAL_EMBEDDING_MODEL, dimensions: LOCAL_EMBEDDING_DIMENSIONS, baseUrl: null, apiKey: NO_API_KEY, localThreads };
  }
  if (!apiKey && !baseUrl && !chat.openaiBaseUrl) read.problem('EMBEDDING_PROVIDER: openai needs EMBEDDING_API_KEY (or OPENAI_API_KEY) or EMBEDDING_BASE_URL');
  return {
    provider,
    model: read.string('EMBEDDING_MODEL') ?? 'text-embedding-3-small',
    dimensions: read.integer('EMBEDDING_DIMENSIONS', 1536, 8, 8192),
    baseUrl: baseUrl ?? chat.openaiBaseUrl,
    apiKey: apiKey ?? NO_API_KEY,
    localThreads,
  };
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  problem(line: string): void {
    this.problems.push(line);
  }

  string(name: string): string | null {
    const value = this.env[name]?.trim();
    return value ? value : null;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}: '${raw}' is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  url(name: string, protocols: string[] = ['http:', 'https:']): string | null {
    const raw = this.string(name);
    if (raw === null) return null;
    try {
      const url = new URL(raw);
      if (protocols.includes(url.protocol)) return raw.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    this.problems.push(`${name}: '${raw}' is not a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
    return null;
  }

  /** `30m`, `90s`, `2h`, `500ms`, or a plain number of milliseconds. */
  duration(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === null) return fallback;
    const match = raw.match(/^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/);
    if (!match) {
      this.problems.push(`${name}: '${raw}' is not a duration such as 30m, 90s, 2h or 500ms`);
      return fallback;
    }
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
    return Math.round(Number(match[1]) * unit);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === null) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}: '${raw}' is not one of ${allowed.join(', ')}`);
    return fallback;
  }
}
