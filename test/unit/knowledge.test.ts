import { describe, expect, it } from 'vitest';
import { parseKnowledgeAnswer, planKnowledgeChanges } from '../../src/domain/knowledge.js';

const stored = [
  { id: 'f1', fact: 'name: Ana' },
  { id: 'f2', fact: 'favorite color: blue' },
  { id: 'f3', fact: 'allergy: nuts' },
];

describe('reconciling extracted facts with stored ones', () => {
  it('adds new facts, replaces changed ones, deletes contradicted ones and skips duplicates', () => {
    const plan = planKnowledgeChanges(stored, [
      { op: 'add', fact: 'city: Rio' },
      { op: 'replace', id: 'f2', fact: 'favorite color: green' },
      { op: 'delete', id: 'f3' },
      { op: 'add', fact: 'Name: Ana.' },
      { op: 'add', fact: 'city: rio' },
    ]);
    expect(plan).toEqual({ add: ['city: Rio', 'favorite color: green'], remove: ['f2', 'f3'] });
  });

  it('ignores ids the model made up', () => {
    expect(planKnowledgeChanges(stored, [{ op: 'delete', id: 'nope' }, { op: 'replace', id: 'zzz', fact: 'x: y' }])).toEqual({ add: [], remove: [] });
  });

  it('reads the model’s JSON answer and rejects anything else', () => {
    expect(parseKnowledgeAnswer('{"operations":[{"op":"add","fact":"name: Ana"}]}')).toEqual([{ op: 'add', fact: 'name: Ana' }]);
    expect(parseKnowledgeAnswer('```json\n{"operations":[]}\n```')).toEqual([]);
    expect(parseKnowledgeAnswer('sure! name: Ana')).toBeNull();
    expect(parseKnowledgeAnswer('{"operations":[{"op":"merge"}]}')).toBeNull();
  });
});
