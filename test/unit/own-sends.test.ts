import { describe, expect, it } from 'vitest';
import { OwnSends } from '../../src/clients/own-sends.js';

/** A send WAHA answers when the test says so. */
function heldSend() {
  let answer!: (waId: string) => void;
  let fail!: (error: Error) => void;
  const answered = new Promise<{ messageId: string; waId: string }>((resolve, reject) => {
    answer = (waId) => resolve({ messageId: `true_5511988887777@c.us_${waId}`, waId });
    fail = reject;
  });
  return { send: () => answered, answer, fail };
}

describe('own sends (the echoes the webhook answers itself)', () => {
  it('knows a sent message by its session and WhatsApp id once WAHA answered', async () => {
    const ownSends = new OwnSends();
    const held = heldSend();
    const sending = ownSends.track('default', held.send);
    held.answer('3EB0AAA');
    await sending;
    expect(await ownSends.sentHere('default', '3EB0AAA')).toBe(true);
    expect(await ownSends.sentHere('other-session', '3EB0AAA')).toBe(false);
    expect(await ownSends.sentHere('default', '3EB0BBB')).toBe(false);
  });

  it('holds an echo that overtook the answer of its send until the answer came', async () => {
    const ownSends = new OwnSends(5_000);
    const held = heldSend();
    void ownSends.track('default', held.send);
    const echo = ownSends.sentHere('default', '3EB0AAA');
    setTimeout(() => held.answer('3EB0AAA'), 20);
    expect(await echo).toBe(true);
  });

  it('lets an echo through to its chat when the send failed or WAHA keeps it waiting', async () => {
    const ownSends = new OwnSends(50);
    const failed = heldSend();
    const failing = ownSends.track('default', failed.send);
    const echoOfFailed = ownSends.sentHere('default', '3EB0AAA');
    failed.fail(new Error('socket hang up'));
    await expect(failing).rejects.toThrow('socket hang up');
    expect(await echoOfFailed).toBe(false);

    const hanging = heldSend();
    void ownSends.track('default', hanging.send);
    const started = Date.now();
    expect(await ownSends.sentHere('default', '3EB0CCC')).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    hanging.answer('3EB0CCC');
  });
});
