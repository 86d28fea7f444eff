import { request } from 'undici';

/** An HTTP answer, read whole. */
export interface HttpAnswer {
  status: number;
  /** A header's value (the first, when it came more than once), by its lower-case name. */
  header(name: string): string | null;
  text: string;
}

/**
 * HTTP calls to the model and to WAHA go through undici's `request` rather than `fetch`:
 * every reply makes two or three of them, and `fetch` spends its CPU on WHATWG streams that
 * JSON in and out never needs (0.32 ms a call against 0.06 on the 2-core machine, measured;
 * under the `openai` client, 0.54 against 0.25). Connections are kept alive, per origin.
 */
export async function httpRequest(url: string, init: { method: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<HttpAnswer> {
  const answer = await request(url, { method: init.method as 'GET' | 'POST', headers: init.headers, body: init.body, signal: init.signal });
  const text = await answer.body.text();
  return {
    status: answer.statusCode,
    header: (name) => {
      const value = answer.headers[name];
      return (Array.isArray(value) ? value[0] : value) ?? null;
    },
    text,
  };
}

/** Answers that may carry no body: a Response refuses one. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the `openai` client over the same `request`: its JSON calls take this path;
 * any other body (a voice note's upload form) goes through the global `fetch`.
 */
export const lightFetch: typeof fetch = async (input, init = {}) => {
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') return fetch(input, init);
  const url = input instanceof Request ? input.url : String(input);
  const answer = await request(url, {
    method: (init.method ?? 'GET') as 'GET' | 'POST',
    headers: Object.fromEntries(new Headers(init.headers)),
    body: init.body ?? undefined,
    signal: init.signal ?? undefined,
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) headers.append(name, one);
  const body = NULL_BODY_STATUSES.has(answer.statusCode) ? (await answer.body.dump(), null) : await answer.body.arrayBuffer();
  return new Response(body, { status: answer.statusCode, headers });
};
