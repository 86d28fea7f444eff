import { httpRequest } from '../clients/http-request.js';
import { wahaWebhookHeaders } from '../domain/webhook-contract.js';

/**
 * Posts a body to chatmem's webhook as WAHA does: JSON (a string is sent as it is), signed
 * when there is an HMAC key, with any `headers` besides. A webhook that cannot be reached
 * is status 0, with the error (and its cause) as the text. Over the same client as chatmem's
 * own calls, which costs the bench's load about what the n8n peer's `http.request` costs its own.
 */
export async function postWebhook(url: string, body: unknown, hmacKey: string | null, headers: Record<string, string> = {}): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    const { status, text, header } = await httpRequest(url, { method: 'POST', headers: { ...wahaWebhookHeaders(hmacKey, raw), ...headers }, body: raw });
    return { status, text, retryAfter: header('retry-after') };
  } catch (error) {
    return { status: 0, text: String((error as { cause?: unknown }).cause ?? error), retryAfter: null };
  }
}
