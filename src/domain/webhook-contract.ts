import { createHmac } from 'node:crypto';

/** Where WAHA posts its events to chatmem. */
export const WEBHOOK_PATH = '/webhooks/waha';

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
