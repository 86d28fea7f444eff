import { describe, expect, it } from 'vitest';
import { fuseRankings, recalledPassages, searchTerms, type RecalledLine } from '../../src/domain/recall.js';

const DAY = 86_400;
const JAN_1 = Date.UTC(2026, 0, 1) / 1000;

const line = (rowId: number, text: string, overrides: Partial<RecalledLine> = {}): RecalledLine => ({
  rowId: String(rowId),
  messageId: `m${rowId}`,
  timestamp: JAN_1 + rowId * 60,
  role: 'user',
  content: text,
  senderName: 'Ana',
  actorId: 'ana@c.us',
  hasMedia: false,
  ...overrides,
});

const hit = (messageId: string, timestamp = 0) => ({ messageId, timestamp });

describe('search terms of a question', () => {
  const words = (text: string) => searchTerms(text).map((term) => term.word);

  it('keeps the words that say what is asked, once each, in any of our languages', () => {
    expect(words('What pet do I have? What PET?')).toEqual(['pet']);
    expect(words('Qual é o nome do meu cachorro?')).toEqual(['nome', 'cachorro']);
    expect(words('¿Dónde vive tu hermana?')).toEqual(['vive', 'hermana']);
  });

  it('cuts a word to its stem, matched with any ending, so "camped" finds "camping"', () => {
    expect(searchTerms('Where has Melanie camped?')).toEqual([{ word: 'melanie', prefix: true }, { word: 'camp', prefix: true }]);
    expect(words('Ela pintou quadros')).toEqual(['pint', 'quadr']);
    expect(words('researching paintings')).toEqual(['research', 'paint']);
  });

  it('matches short words and numbers as written: a stem that short would match too much', () => {
    expect(searchTerms('art in 2023')).toEqual([{ word: 'art', prefix: false }, { word: '2023', prefix: false }]);
  });

  it('folds accents only to recognise stop words, and keeps them for the database', () => {
    // "você" and "voce" are both stop words; "açaí" is a word the database folds itself.
    expect(words('você voce gosta de açaí')).toEqual(['gosta', 'açaí']);
  });

  it('gives nothing to search for when a message is only small words or emoji', () => {
    expect(searchTerms('ok, is it? 👍 a')).toEqual([]);
  });

  it('stops at 16 words, so a pasted essay does not become a huge query', () => {
    const many = Array.from({ length: 40 }, (_, i) => `word${i}`);
    expect(words(many.join(' '))).toEqual(many.slice(0, 16));
  });
});

describe('fusing the rankings of text search and vectors', () => {
  it('puts a message both rankers found above one that topped a single list', () => {
    const text = [hit('only-text'), hit('both')];
    const vectors = [hit('only-vectors'), hit('both')];
    expect(fuseRankings([text, vectors], 3).map((h) => h.messageId)).toEqual(['both', 'only-text', 'only-vectors']);
    expect(fuseRankings([text, vectors], 1).map((h) => h.messageId)).toEqual(['both']);
  });

  it('breaks a tie by the newer message, and keeps one ranker order as it was', () => {
    expect(fuseRankings([[hit('old', 10)], [hit('new', 20)]], 2).map((h) => h.messageId)).toEqual(['new', 'old']);
    expect(fuseRankings([[hit('a'), hit('b'), hit('c')], []], 5).map((h) => h.messageId)).toEqual(['a', 'b', 'c']);
  });
});

describe('recalled passages', () => {
  const options = (shown: string[] = [], isGroupChat = true) => ({ isGroupChat, shownMessageIds: new Set(shown) });

  it('shows a hit with the turns around it, dated once per day, the bot as "you"', () => {
    const lines = [
      line(1, 'what should I name him?', { senderName: 'Bruno', actorId: 'bruno@c.us' }),
      line(2, 'my dog is called Rex', { timestamp: JAN_1 + DAY }),
      line(3, 'Rex is a great name', { role: 'assistant', senderName: null, actorId: 'bot', timestamp: JAN_1 + DAY + 5 }),
    ];
    const [passage] = recalledPassages([hit('m2')], new Map([['m2', lines]]), options());
    expect(passage!.text).toBe('[2026-01-01] Bruno: what should I name him?\n  [2026-01-02] Ana: my dog is called Rex\n  you: Rex is a great name');
  });

  it('calls the person "user" in a private chat', () => {
    const [passage] = recalledPassages([hit('m1')], new Map([['m1', [line(1, 'I live in Porto')]]]), options([], false));
    expect(passage!.text).toBe('[2026-01-01] user: I live in Porto');
  });

  it('does not repeat a line another passage or the recent transcript already holds', () => {
    const around = new Map([
      ['m2', [line(1, 'one'), line(2, 'two'), line(3, 'three')]],
      ['m3', [line(2, 'two'), line(3, 'three'), line(4, 'four')]],
      ['m5', [line(4, 'four'), line(5, 'five'), line(6, 'six')]],
    ]);
    const passages = recalledPassages([hit('m2'), hit('m3'), hit('m5')], around, options(['m6']));
    // m3 is inside the first passage: it adds nothing. m4 went with m5 only once, m6 is on screen.
    expect(passages.map((p) => p.text.replace(/\[2026-01-01\] /g, ''))).toEqual(['Ana: one\n  Ana: two\n  Ana: three', 'Ana: four\n  Ana: five']);
    expect(passages[0]!.score).toBeGreaterThan(passages[1]!.score);
  });

  it('skips a hit whose row is gone (erased since it was found)', () => {
    expect(recalledPassages([hit('gone')], new Map(), options())).toEqual([]);
  });
});
