import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixture, variant } from './fixtures.js';

/** What PostgreSQL and Temporal refuse in text: a NUL character and a lone UTF-16 surrogate. */
export const POISONS = [
  ['NUL', '\u0000'],
  ['lone surrogate', '\ud800'],
] as const;

/** Every fixture that is a webhook body (it names an event), by file name. */
export const WEBHOOK_FIXTURES = readdirSync(fileURLToPath(new URL('../fixtures/waha/', import.meta.url)))
  .filter((name) => name.endsWith('.json') && typeof fixture(name).event === 'string')
  .sort();

export interface HostileBody {
  /** `<fixture> <path> <poison>`, for failure messages. */
  label: string;
  fixture: string;
  body: any;
}

/**
 * For every string field of every webhook fixture, a copy with a NUL and one with a lone
 * surrogate in the middle of that field. Message fixtures get a WhatsApp id of their own
 * first (`HST<n>…`), so that each copy is a new message, not a duplicate of the original.
 */
export function* poisonedFixtures(): Generator<HostileBody> {
  let n = 0;
  for (const name of WEBHOOK_FIXTURES) {
    for (const path of stringPaths(fixture(name))) {
      for (const [poisonName, poison] of POISONS) {
        n += 1;
        const body = hasMessageId(name) ? variant(name, { waId: `HST${String(n).padStart(5, '0')}X${'0'.repeat(20)}` }) : fixture(name);
        const parent = path.slice(0, -1).reduce((node, key) => node[key], body);
        const key = path[path.length - 1]!;
        const value: string = parent[key];
        const middle = Math.floor(value.length / 2);
        parent[key] = value.slice(0, middle) + poison + value.slice(middle);
        yield { label: `${name} ${path.join('.')} ${poisonName}`, fixture: name, body };
      }
    }
  }
}

function hasMessageId(name: string): boolean {
  const id = fixture(name).payload?.id;
  return typeof id === 'string' && id.split('_').length >= 3;
}

function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => stringPaths(child, [...path, Array.isArray(value) ? Number(key) : key]));
}

/** True when `value` holds, anywhere, a string PostgreSQL or Temporal would refuse. */
export function holdsUnsafeText(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed();
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(holdsUnsafeText);
}
