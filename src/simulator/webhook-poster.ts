import { wahaWebhookHeaders } from '../webhook/hmac.js';

/** Posts a body to chatmem's webhook as WAHA does: JSON, signed when there is an HMAC key. */
export async function postWebhook(url: string, body: unknown, hmacKey: string | null): Promise<{ status: number; text: string }> {
  const raw = JSON.stringify(body);
  const response = await fetch(url, { method: 'POST', headers: wahaWebhookHeaders(hmacKey, raw), body: raw });
  return { status: response.status, text: await response.text() };
}
