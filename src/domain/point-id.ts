import { createHash } from 'node:crypto';

/**
 * A UUID derived from what the point stands for (RFC 4122 name-based layout over SHA-256),
 * so a retried write lands on the same point instead of adding a copy.
 */
export function pointIdFor(...source: string[]): string {
  const bytes = createHash('sha256').update(source.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
