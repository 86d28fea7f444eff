import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_SYSTEM_PROMPT } from '../../src/domain/knowledge.js';
import { answerFor } from '../../src/offline/offline-model.js';

/** What offline mode's model proposes for one message, as learnFacts asks it. */
function operationsFor(message: string, storedFacts: { id: string; fact: string }[] = []) {
  const answer = answerFor([
    { role: 'system', content: KNOWLEDGE_SYSTEM_PROMPT },
    { role: 'user', content: JSON.stringify({ storedFacts, message }) },
  ]);
  return (JSON.parse(answer) as { operations: unknown[] }).operations;
}

describe('the offline model learns facts', () => {
  it('from each clause of a line that says several things', () => {
    expect(operationsFor('hi, my name is Ana and I live in Recife')).toEqual([
      { op: 'add', fact: 'name: ana' },
      { op: 'add', fact: 'city: recife' },
    ]);
    expect(operationsFor('Meu nome é Bia e moro em Olinda.')).toEqual([
      { op: 'add', fact: 'name: bia' },
      { op: 'add', fact: 'city: olinda' },
    ]);
  });

  it('from the phrasings people use: "now" at the end, "e eu", a mention of the bot in a group', () => {
    expect(operationsFor('I live in Lisbon now')).toEqual([{ op: 'add', fact: 'city: lisbon' }]);
    expect(operationsFor('Meu nome é Ana e eu moro em São Paulo')).toEqual([
      { op: 'add', fact: 'name: ana' },
      { op: 'add', fact: 'city: são paulo' },
    ]);
    expect(operationsFor('I live in Porto @10000000000')).toEqual([{ op: 'add', fact: 'city: porto' }]);
    expect(operationsFor('@10000000000 my name is Rui')).toEqual([{ op: 'add', fact: 'name: rui' }]);
  });

  it('keeps a value that itself holds "and" whole', () => {
    expect(operationsFor('My favorite food is rice and beans.')).toEqual([{ op: 'add', fact: 'favorite food: rice and beans' }]);
  });

  it('replaces a changed fact and drops one the person takes back', () => {
    const stored = [
      { id: 'f1', fact: 'city: recife' },
      { id: 'f2', fact: 'allergy: peanuts' },
    ];
    expect(operationsFor('I live in Olinda. I am no longer allergic to peanuts.', stored)).toEqual([
      { op: 'replace', id: 'f1', fact: 'city: olinda' },
      { op: 'delete', id: 'f2' },
    ]);
  });

  it('learns nothing from small talk', () => {
    expect(operationsFor('good morning! how are you?')).toEqual([]);
  });
});
