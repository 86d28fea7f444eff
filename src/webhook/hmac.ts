import { timingSafeEqual } from 'node:crypto';
import { signWebhookBody } from '../domain/webhook-contract.js';

/** Constant-time check of the signature header against the raw bytes, before any parsing. */
export function hasValidSignature(key: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header || !/^[0-9a-fA-F]{128}$/.test(header.trim())) return false;
  const expected = Buffer.from(signWebhookBody(key, rawBody), 'hex');
  const given = Buffer.from(header.trim().toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
