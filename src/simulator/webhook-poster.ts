import { signWebhookBody } from '../webhook/hmac.js';

/** Posts a body to chatmem's webhook as WAHA does: JSON, signed when there is an HMAC key. */
export async function postWebhook(url: string, body: unknown, hmacKey: string | null): Promise<{ status: number; text: string }> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (hmacKey) {
    headers['x-webhook-hmac'] = signWebhookBody(hmacKey, raw);
    headers['x-webhook-hmac-algorithm'] = 'sha512';
  }
  const response = await fetch(url, { method: 'POST', headers, body: raw });
  return { status: response.status, text: await response.text() };
}
