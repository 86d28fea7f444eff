import { describe, expect, it } from 'vitest';
import type { ChatStateView } from '../../src/domain/chat-state.js';
import { failureLine } from '../../src/simulator/chat-watch.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');
const waitingSince = (msAgo: number, failure?: string) =>
  ({ unanswered: 0, lastUnanswered: null, waiting: { messages: 1, since: new Date(NOW - msAgo).toISOString(), ...(failure ? { failure } : {}) } }) as unknown as ChatStateView;

describe('the simulator on a reply that does not come', () => {
  it('keeps waiting for a reply being composed, however slow at first', () => {
    expect(failureLine(waitingSince(9_000), 0, NOW)).toBeNull();
  });

  it('says why once a try failed, and says it anyway when the wait outlasts a slow reply', () => {
    expect(failureLine(waitingSince(1_000, 'LLM answered 503'), 0, NOW)).toMatch(/^bot could not answer yet: 1 message\(s\) since \S+ \(the model or WAHA failing: LLM answered 503;/);
    expect(failureLine(waitingSince(31_000), 0, NOW)).toMatch(/^bot could not answer yet: 1 message\(s\)/);
  });
});
