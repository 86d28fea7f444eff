import type { Config } from '../config.js';
import { describeError } from '../domain/describe-error.js';

const CHECK_TIMEOUT_MS = 3_000;
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Whether the model endpoint and WAHA answer at all, asked once at start. A service that is
 * away is no reason to refuse to start (WAHA often starts after chatmem, and replies are
 * retried until REPLY_DEADLINE), but the operator should hear of it in the first second,
 * not from a reply that never comes. Any HTTP answer but 401/403 counts as reachable: an
 * OpenAI-compatible server need not list its models.
 */
export async function outsideServiceWarnings(config: Config): Promise<string[]> {
  const checks: Promise<string | null>[] = [
    check(`WAHA at ${config.waha.url}`, new URL('/api/sessions', config.waha.url), config.waha.apiKey ? { 'x-api-key': config.waha.apiKey } : {}, {
      away: 'replies wait and are retried until it answers (without WhatsApp: npm run chat serves WAHA here)',
      key: 'WAHA_API_KEY',
    }),
  ];
  if (!config.offline) {
    const base = config.openai.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
    checks.push(
      check(`the model at ${base}`, new URL(`${base.replace(/\/+$/, '')}/models`), { authorization: `Bearer ${config.openai.apiKey}` }, {
        away: `replies wait and are retried until it answers, for up to REPLY_DEADLINE (${Math.round(config.chat.replyDeadlineMs / 60_000)} min)`,
        key: 'OPENAI_API_KEY',
      }),
    );
  }
  return (await Promise.all(checks)).filter((warning): warning is string => warning !== null);
}

async function check(what: string, url: URL, headers: Record<string, string>, say: { away: string; key: string }): Promise<string | null> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status === 401 || response.status === 403) return `warning: ${what} refuses ${say.key} (HTTP ${response.status}); no reply can be sent until it is right`;
    return null;
  } catch (error) {
    return `warning: ${what} does not answer (${describeError(error)}); ${say.away}`;
  }
}
