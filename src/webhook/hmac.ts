import { createHmac, timingSafeEqual } from 'node:crypto';

/** WAHA signs the raw body: lower-case hex HMAC-SHA512 in `X-Webhook-Hmac`. */
export function signWebhookBody(key: string, rawBody: Buffer | string): string {
  return createHmac('sha512', key).update(rawBody).digest('hex');
}

/** The headers WAHA sends with a webhook body: JSON, signed when there is a key. */
export function wahaWebhookHeaders(key: string | null, rawBody: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) {
    headers['x-webhook-hmac'] = signWebhookBody(key, rawBody);
    headers['x-webhook-hmac-algorithm'] = 'sha512';
  }
  return headers;
}

/** Constant-time check of the signature header against the raw bytes, before any parsing. */
export function hasValidSignature(key: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header || !/^[0-9a-fA-F]{128}$/.test(header.trim())) return false;
  const expected = Buffer.from(signWebhookBody(key, rawBody), 'hex');
  const given = Buffer.from(header.trim().toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
