import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration from the environment', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-x' });
    expect(config).toMatchObject({
      port: 8080,
      dataDir: '.data',
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'chatmem', embedded: true, uiPort: 8233 },
      databaseUrl: null,
      offline: false,
      context: { stmWindow: 20 },
      chat: { groupReply: 'mention' },
      openai: { baseUrl: null, chatModel: 'gpt-4o-mini' },
      waha: { url: 'http://localhost:3000', apiKey: null, webhookHmacKey: null },
    });
  });

  it('reports every bad value, one line each', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', STM_WINDOW: '0', GROUP_REPLY: 'sometimes', WAHA_URL: 'ftp://waha', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'STM_WINDOW', 'GROUP_REPLY', 'WAHA_URL', 'DATABASE_URL']) {
      expect(problems.filter((line) => line.startsWith(`${name}:`))).toHaveLength(1);
    }
  });

  it('refuses a model time limit the step that calls the model would cut off', () => {
    expect(loadConfig({ OPENAI_TIMEOUT_MS: '80000' }).openai.timeoutMs).toBe(80_000);
    // The reply step gives up after 90 s: a 2-minute call would time out on every attempt.
    expect(() => loadConfig({ OPENAI_TIMEOUT_MS: '120000' })).toThrow("OPENAI_TIMEOUT_MS: '120000' is not a whole number from 1000 to 80000");
  });

  it('keeps at least the chats being answered in memory', () => {
    expect(loadConfig({}).maxCachedChats).toBe(500);
    expect(loadConfig({ MAX_CACHED_CHATS: '300', MAX_CONCURRENT_REPLIES: '300' }).maxCachedChats).toBe(300);
    expect(() => loadConfig({ MAX_CACHED_CHATS: '100' })).toThrow('MAX_CACHED_CHATS: 100 is less than MAX_CONCURRENT_REPLIES (200); a chat being answered is kept in memory');
  });

  it('reads LEARNING_PAUSE as a duration: 5 s by default, 0 learns at once', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'k' }).chat.learningPauseMs).toBe(5000);
    expect(loadConfig({ OPENAI_API_KEY: 'k', LEARNING_PAUSE: '5s' }).chat.learningPauseMs).toBe(5000);
    expect(loadConfig({ OPENAI_API_KEY: 'k', LEARNING_PAUSE: '0' }).chat.learningPauseMs).toBe(0);
    expect(() => loadConfig({ OPENAI_API_KEY: 'k', LEARNING_PAUSE: 'soon' })).toThrow(/LEARNING_PAUSE/);
  });

  it('prepares PostgreSQL statements unless DATABASE_PREPARED_STATEMENTS is false', () => {
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
    expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'no' })).toThrow(/DATABASE_PREPARED_STATEMENTS/);
  });

  it('reads durations for TAKEOVER_PAUSE', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'k' }).chat.takeoverPauseMs).toBe(30 * 60_000);
    expect(loadConfig({ OPENAI_API_KEY: 'k', TAKEOVER_PAUSE: '90s' }).chat.takeoverPauseMs).toBe(90_000);
    expect(loadConfig({ OPENAI_API_KEY: 'k', TAKEOVER_PAUSE: '2h' }).chat.takeoverPauseMs).toBe(7_200_000);
    expect(loadConfig({ OPENAI_API_KEY: 'k', TAKEOVER_PAUSE: '1500' }).chat.takeoverPauseMs).toBe(1500);
    expect(() => loadConfig({ OPENAI_API_KEY: 'k', TAKEOVER_PAUSE: 'half an hour' })).toThrow(/TAKEOVER_PAUSE/);
  });

  it('accepts an OpenAI-compatible server without a key', () => {
    const config = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    expect(config.openai.baseUrl).toBe('http://127.0.0.1:11434/v1');
    expect(config.offline).toBe(false);
  });

  it('with nothing set, runs on embedded parts: offline model, PGlite and a Temporal dev server in the data folder', () => {
    const config = loadConfig({});
    expect(config.offline).toBe(true);
    expect(config.databaseUrl).toBeNull();
    expect(config.temporal.embedded).toBe(true);
    expect(config.vectors.dataDir).toBe('.data/vectors');
  });

  describe('embeddings', () => {
    it('run the local model when no key and no embeddings endpoint are set, even with a chat server configured', () => {
      for (const env of [{}, { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }]) {
        expect(loadConfig(env).embeddings).toMatchObject({ provider: 'local', model: 'all-MiniLM-L6-v2-int8', dimensions: 384, baseUrl: null, localThreads: 1 });
      }
    });

    it('go to OpenAI with a key, and to their own endpoint apart from the chat model', () => {
      expect(loadConfig({ OPENAI_API_KEY: 'sk-x' }).embeddings).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', dimensions: 1536, baseUrl: null, apiKey: 'sk-x' });
      const ollama = loadConfig({
        OPENAI_API_KEY: 'sk-x',
        EMBEDDING_BASE_URL: 'http://127.0.0.1:11434/v1',
        EMBEDDING_API_KEY: 'ollama',
        EMBEDDING_MODEL: 'nomic-embed-text',
        EMBEDDING_DIMENSIONS: '768',
      });
      expect(ollama.embeddings).toMatchObject({ provider: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'ollama', model: 'nomic-embed-text', dimensions: 768 });
      expect(ollama.openai.baseUrl).toBeNull();
    });

    it('stay local when asked, whatever key the chat model has', () => {
      expect(loadConfig({ OPENAI_API_KEY: 'sk-x', EMBEDDING_PROVIDER: 'local', EMBEDDING_THREADS: '2' }).embeddings).toMatchObject({ provider: 'local', localThreads: 2 });
    });

    it('refuse settings the chosen provider cannot honour, one line each', () => {
      const problems = (env: Record<string, string>) => {
        try {
          loadConfig(env);
          return [];
        } catch (error) {
          return (error as ConfigError).problems;
        }
      };
      expect(problems({ EMBEDDING_MODEL: 'nomic-embed-text' })).toEqual([expect.stringMatching(/^EMBEDDING_MODEL: the local provider runs all-MiniLM-L6-v2-int8 only; set EMBEDDING_PROVIDER=openai/)]);
      expect(problems({ EMBEDDING_DIMENSIONS: '768' })).toEqual([expect.stringMatching(/^EMBEDDING_DIMENSIONS: all-MiniLM-L6-v2-int8 gives 384 dimensions, not 768/)]);
      expect(problems({ EMBEDDING_PROVIDER: 'openai' })).toEqual([expect.stringMatching(/^EMBEDDING_PROVIDER: openai needs EMBEDDING_API_KEY/)]);
      expect(problems({ EMBEDDING_PROVIDER: 'ollama', EMBEDDING_THREADS: '0', RECALL: 'everything' }).map((line) => line.split(':')[0])).toEqual([
        'EMBEDDING_PROVIDER',
        'EMBEDDING_THREADS',
        'RECALL',
      ]);
    });
  });

  it('finds earlier messages by words and by meaning unless told otherwise', () => {
    expect(loadConfig({}).context.recall).toBe('hybrid');
    expect(loadConfig({ RECALL: 'vectors' }).context.recall).toBe('vectors');
  });

  it('uses what is configured instead of the embedded parts', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgres://u:p@db/chatmem', CHATMEM_DATA_DIR: '/var/lib/chatmem' });
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', embedded: false });
    expect(config.databaseUrl).toBe('postgres://u:p@db/chatmem');
    expect(config.vectors.dataDir).toBe('/var/lib/chatmem/vectors');
  });
});
