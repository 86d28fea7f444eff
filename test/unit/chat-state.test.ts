import { describe, expect, it } from 'vitest';
import { ChatState, DEDUPE_WINDOW } from '../../src/domain/chat-state.js';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { inboundMessage } from '../support/inbound.js';

/** A user's message in a private chat whose text is its WhatsApp id, as the webhook hands it on. */
function message(waId: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return { ...inboundMessage('a@c.us', waId, { waId, timestamp: 100 }), ...overrides };
}

describe('ChatState', () => {
  it('queues messages in arrival order and drops repeats of fromMe + WhatsApp id', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    expect(state.accept(message('1'))).toBe(true);
    expect(state.accept(message('2'))).toBe(true);
    expect(state.accept(message('1', { chatId: 'x@lid', messageId: 'false_x@lid_1' }))).toBe(false);
    expect(state.accept(message('1', { fromMe: true }))).toBe(true); // same WhatsApp id from the other side is another message
    expect([state.takeNext()?.waId, state.takeNext()?.waId, state.takeNext()?.fromMe]).toEqual(['1', '2', true]);
    expect(state.view().duplicatesDropped).toBe(1);
  });

  it('shows the next round without taking it, and takes back what was taken but not handled, in front and in order', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    for (const waId of ['1', '2', 'ask', '4']) state.accept(message(waId));
    const isQuestion = (m: InboundMessage) => m.waId === 'ask';
    expect(state.peekThrough(isQuestion, 10).map((m) => m.waId)).toEqual(['1', '2', 'ask']);
    expect(state.peekThrough(isQuestion, 2).map((m) => m.waId)).toEqual(['1', '2']);
    const taken = state.takeThrough(isQuestion, 10);
    expect(state.peekThrough(isQuestion, 10).map((m) => m.waId)).toEqual(['4']);
    state.putBack(taken.slice(1));
    expect(state.takeUpTo(10).map((m) => m.waId)).toEqual(['2', 'ask', '4']);
  });

  it('drops the echo of a sent reply, whether it arrives after or before the bookkeeping', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    state.recordReplySent('R1', 'reply one', 0);
    expect(state.accept(message('R1', { fromMe: true, source: 'api' }))).toBe(false);

    state.accept(message('R2', { fromMe: true, source: 'api' }));
    state.accept(message('3'));
    state.recordReplySent('R2', 'reply two', 0);
    expect(state.takeNext()?.waId).toBe('3');
    expect(state.hasPending()).toBe(false);
    expect(state.view()).toMatchObject({ repliesSent: 2, duplicatesDropped: 2 });
  });

  it('survives continue-as-new: the snapshot restores inbox, dedupe window and counts', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    state.accept(message('1'));
    state.accept(message('2'));
    const first = state.takeNext()!;
    state.recordStored(first);
    const restored = new ChatState({ session: 'default', chatId: 'a@c.us' }, state.snapshot());
    expect(restored.accept(message('1'))).toBe(false);
    expect(restored.takeNext()?.waId).toBe('2');
    expect(restored.view()).toMatchObject({ messagesSeen: 1, lastInteractionAt: new Date(100_000).toISOString() });
  });

  it('keeps a bounded dedupe window', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    for (let i = 0; i <= DEDUPE_WINDOW; i++) state.accept(message(String(i)));
    expect(state.snapshot().recentKeys).toHaveLength(DEDUPE_WINDOW);
    expect(state.accept(message('0'))).toBe(true); // forgotten: the database still refuses to store it twice
  });
});

describe('ChatState: summaries and takeover', () => {
  it('counts tokens since the last summary and resets them when a summary is made', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    state.recordStored(message('1'), 120);
    state.addTokens(80);
    expect(state.tokensSinceSummary()).toBe(200);
    state.recordSummary('They talked about bread. '.repeat(30));
    expect(state.tokensSinceSummary()).toBe(0);
    expect(state.view()).toMatchObject({ summaries: 1, tokensSinceSummary: 0 });
    expect(state.view().summaryExcerpt!.length).toBeLessThanOrEqual(280);
  });

  it('pauses until a time, keeps the later of two pauses, and resumes early on request', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    state.pause(10_000);
    state.pause(5_000);
    expect([state.isPaused(9_999), state.isPaused(10_000)]).toEqual([true, false]);
    expect(new ChatState({ session: 'default', chatId: 'a@c.us' }, state.snapshot()).isPaused(9_000)).toBe(true);
    state.resume();
    expect(state.isPaused(0)).toBe(false);
  });

  it('counts a message the database refused, keeps the latest reason across continue-as-new, and handles the next message', () => {
    const state = new ChatState({ session: 'default', chatId: 'a@c.us' });
    state.accept(message('BAD'));
    state.accept(message('GOOD'));
    state.recordRejected(state.takeNext()!, 'PostgreSQL refused the message (22021): invalid byte sequence');
    expect(state.takeNext()?.waId).toBe('GOOD');
    const carried = new ChatState({ session: 'default', chatId: 'a@c.us' }, state.snapshot());
    expect(carried.view()).toMatchObject({
      rejected: 1,
      lastRejection: { messageId: 'false_a@c.us_BAD', reason: expect.stringContaining('22021'), at: new Date(100_000).toISOString() },
      messagesSeen: 0,
    });
    carried.recordLearningFailure({ activity: 'rememberMessage', messageId: 'false_a@c.us_GOOD', reason: 'WrongVectorSize: 32 dimensions' });
    expect(new ChatState({ session: 'default', chatId: 'a@c.us' }, carried.snapshot()).view()).toMatchObject({ learningFailures: 1, lastLearningFailure: { activity: 'rememberMessage' } });
    carried.forgetContact('a@c.us', { summaryDropped: false });
    expect(carried.view()).toMatchObject({ lastRejection: null, lastLearningFailure: null });
    // Snapshots from before rejections were counted start from none.
    const { rejected, lastRejection, learningFailures, lastLearningFailure, ...older } = state.snapshot();
    expect(new ChatState({ session: 'default', chatId: 'a@c.us' }, older).view()).toMatchObject({ rejected: 0, lastRejection: null, learningFailures: 0, lastLearningFailure: null });
  });

  it('keeps replies given up on for an operator retry, answers them as one batch, and forgets an erased person in them', () => {
    const state = new ChatState({ session: 'default', chatId: 'g@g.us' });
    const ana = message('1', { contactId: 'ana@c.us' });
    const bia = message('2', { contactId: 'bia@c.us' });
    state.recordUnanswered({ messages: [ana], claimToken: 'c1', reason: 'REPLY_DEADLINE passed', at: 'T1' });
    state.recordUnanswered({ messages: [bia], claimToken: 'c2', reason: 'refused: 400', at: 'T2' });
    expect(state.view()).toMatchObject({ unanswered: 2, replyFailures: 2, lastUnanswered: { messageId: bia.messageId, reason: 'refused: 400', at: 'T2' } });

    // Carried across continue-as-new.
    const carried = new ChatState({ session: 'default', chatId: 'g@g.us' }, state.snapshot());
    carried.forgetContact('bia@c.us', { summaryDropped: false });
    expect(carried.view().unanswered).toBe(1);
    expect(carried.retryUnanswered()).toBe(1);
    expect(carried.view()).toMatchObject({ unanswered: 0, retrying: 1, lastUnanswered: null });

    expect(state.retryUnanswered()).toBe(2);
    expect(state.retryUnanswered()).toBe(0);
    expect(state.takeRetries()).toEqual({ messages: [ana, bia], claimToken: 'c2' });
    expect(state.takeRetries()).toBeUndefined();
    expect(state.hasRetries()).toBe(false);
  });
});
