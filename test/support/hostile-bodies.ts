import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { interpretWahaEvent } from '../../src/domain/waha-event.js';
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

/** Every field of a value (nested ones too), as paths from its root. */
function fieldPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    return [at, ...fieldPaths(child, at)];
  });
}

/** What a fuzzed field becomes: anything JSON can carry, text of every kind and size, or nothing. */
const fuzzedValue = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.integer({ min: 1, max: 40 }).map((kb) => 'x'.repeat(kb * 1024)),
  fc.constantFrom(null, true, 0, -1, 1e308, '', '@c.us', 'false_@g.us_', 'true_5511@lid_ID', []),
  fc.constant(undefined),
);

export interface FuzzedBody {
  /** The WhatsApp id the body was given before fuzzing: where it would be stored. */
  waId: string;
  /** True when nothing was changed but the id: a valid message. */
  valid: boolean;
  body: any;
}

/**
 * `count` webhook bodies from the fixtures, reproducible by `seed`: about a third valid
 * messages (each a new one, in one of a few chats), the rest with one to three fields
 * anywhere in the body replaced by a fuzzed value or removed.
 */
export function fuzzedBodies(count: number, seed: number): FuzzedBody[] {
  // Valid bodies are new messages, stored where `waId` says (an edit or deletion adds no row).
  const messageFixtures = WEBHOOK_FIXTURES.filter((name) => {
    const outcome = interpretWahaEvent(fixture(name));
    return outcome.kind === 'message' && !outcome.message.change;
  });
  const paths = new Map(WEBHOOK_FIXTURES.map((name) => [name, fieldPaths(fixture(name))]));
  const shape = fc.record({
    name: fc.constantFrom(...WEBHOOK_FIXTURES),
    valid: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
    chat: fc.integer({ min: 0, max: 9 }),
    changes: fc.array(fc.tuple(fc.nat(), fuzzedValue), { minLength: 1, maxLength: 3 }),
  });
  return fc.sample(shape, { numRuns: count, seed }).map(({ name, valid, chat, changes }, n) => {
    const waId = `FZ${String(n).padStart(6, '0')}${'0'.repeat(16)}`;
    const base = valid ? messageFixtures[n % messageFixtures.length]! : name;
    // Valid private messages go to a few chats; a group's stay in their group.
    const privateChat = valid && !fixture(base).payload.from.endsWith('@g.us') ? { chat: `552197000${String(chat).padStart(4, '0')}@c.us` } : {};
    const body = hasMessageId(base) ? variant(base, { waId, ...privateChat }) : fixture(base);
    if (!valid) {
      const fields = paths.get(base)!;
      for (const [pick, value] of changes) {
        const path = fields[pick % fields.length]!;
        const parent = path.slice(0, -1).reduce<any>((node, key) => (node && typeof node === 'object' ? node[key] : undefined), body);
        if (!parent || typeof parent !== 'object') continue;
        const key = path[path.length - 1]!;
        if (value === undefined) delete parent[key];
        else parent[key] = value;
      }
    }
    return { waId, valid, body };
  });
}
