import { describe, expect, it } from 'vitest';
import { sentMessageIdFrom } from '../../src/domain/waha-send-result.js';
import { fixture } from '../support/fixtures.js';

describe('reading the sent message id from sendText answers', () => {
  it.each([
    ['send-text-response.json', '5521988887777@c.us', 'true_5521988887777@c.us_3EB0AA11BB22CC33DD44EE', '3EB0AA11BB22CC33DD44EE'],
    ['send-text-response-webjs.json', '5521977776666@c.us', 'true_5521977776666@c.us_3EB0BB22CC33DD44EE55', '3EB0BB22CC33DD44EE55'],
    ['send-text-response-noweb.json', '5521966665555@c.us', 'true_5521966665555@c.us_3EB0CC33DD44EE55FF66', '3EB0CC33DD44EE55FF66'],
  ])('%s', (name, chatId, messageId, waId) => {
    expect(sentMessageIdFrom(fixture(name), chatId)).toEqual({ messageId, waId });
  });

  it('returns null for an answer without an id', () => {
    expect(sentMessageIdFrom({ status: 'ok' }, 'a@c.us')).toBeNull();
  });
});
