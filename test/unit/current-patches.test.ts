import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURRENT_PATCHES } from '../../src/workflows/chat-workflow.js';

const source = (name: string) => readFileSync(new URL(`../../src/workflows/${name}`, import.meta.url), 'utf8');
const askedIn = (text: string) => [...text.matchAll(/patched\('([a-z-]+)'\)/g)].map((match) => match[1]!);

describe('the patches a run begun with late-local-results asks as it starts', () => {
  it('are every patch the current shape asks about anywhere', () => {
    // A patch missing from the list would be asked first wherever the code reaches it, maybe by
    // code a late local activity result woke, which a replay runs a task earlier.
    const asked = new Set(askedIn(source('chat-workflow.ts')));
    expect(new Set(CURRENT_PATCHES)).toEqual(asked);
  });
});
