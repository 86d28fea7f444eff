import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURRENT_PATCHES, PATCHES_OF_2026_12_07 } from '../../src/workflows/run-patches.js';

const source = (name: string) => readFileSync(new URL(`../../src/workflows/${name}`, import.meta.url), 'utf8');
const askedIn = (text: string) => [...text.matchAll(/hasPatch\('([a-z-]+)'\)/g)].map((match) => match[1]!);

describe('the patches a run begun with late-local-results asks as it starts', () => {
  it('are every patch the current shape asks about anywhere', () => {
    // A patch missing from the list would be asked first wherever the code reaches it, maybe by
    // code a late local activity result woke, which a replay runs a task earlier.
    const asked = new Set(askedIn(source('chat-workflow.ts')));
    expect(new Set(CURRENT_PATCHES)).toEqual(asked);
    // Nothing in the workflow asks a patch past the run's own list.
    expect(source('chat-workflow.ts')).not.toMatch(/\bpatched\(/);
  });

  it('one marker stands for patches that are all current', () => {
    for (const patch of PATCHES_OF_2026_12_07) expect(CURRENT_PATCHES).toContain(patch);
  });
});
