import { z } from 'zod';

/** Marks the extraction prompt, so a log or a stand-in can tell it from a reply prompt. */
export const KNOWLEDGE_PROMPT_MARKER = '[chatmem:knowledge]';

export const KNOWLEDGE_SYSTEM_PROMPT = `${KNOWLEDGE_PROMPT_MARKER}
You maintain durable facts about one WhatsApp user: name, preferences, important dates,
places, commitments. You get the facts already stored (with ids) and the user's new message
("message"), or several of them, oldest first ("messages"): a later one wins. Answer with
JSON only: {"operations": [...]}, where each operation is one of
  {"op": "add", "fact": "<topic>: <value>"}
  {"op": "replace", "id": "<id of the stored fact>", "fact": "<topic>: <value>"}
  {"op": "delete", "id": "<id of a stored fact the message contradicts>"}
Write each fact as "<topic>: <value>", lower-case topic, e.g. "name: Ana", "favorite color: blue".
Replace a stored fact whose value changed; never add a fact that is already stored.
Small talk, questions and greetings give no operations: {"operations": []}.`;

export interface StoredFact {
  id: string;
  fact: string;
}

const operationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), fact: z.string().min(1).max(500) }),
  z.object({ op: z.literal('replace'), id: z.string(), fact: z.string().min(1).max(500) }),
  z.object({ op: z.literal('delete'), id: z.string() }),
]);
const answerSchema = z.object({ operations: z.array(operationSchema).max(50) });

export type KnowledgeOperation = z.infer<typeof operationSchema>;

/** The model's JSON answer, or an empty list when it is not one (a wrong answer must change nothing). */
export function parseKnowledgeAnswer(text: string): KnowledgeOperation[] | null {
  try {
    const parsed = answerSchema.safeParse(JSON.parse(text.replace(/^```(?:json)?\s*|\s*```$/g, '')));
    return parsed.success ? parsed.data.operations : null;
  } catch {
    return null;
  }
}

export interface KnowledgePlan {
  add: string[];
  remove: string[];
}

/**
 * Turns the model's operations into changes to the stored facts: a replaced fact's old
 * point goes, a fact already stored is not added twice, ids the model invented are ignored.
 */
export function planKnowledgeChanges(existing: StoredFact[], operations: KnowledgeOperation[]): KnowledgePlan {
  const byId = new Map(existing.map((fact) => [fact.id, fact]));
  const present = new Set(existing.map((fact) => normalizeFact(fact.fact)));
  const remove = new Set<string>();
  const add: string[] = [];
  const adding = (fact: string) => {
    const key = normalizeFact(fact);
    if (present.has(key)) return;
    present.add(key);
    add.push(fact.trim());
  };
  for (const operation of operations) {
    if (operation.op === 'add') adding(operation.fact);
    else if (byId.has(operation.id) && !remove.has(operation.id)) {
      remove.add(operation.id);
      present.delete(normalizeFact(byId.get(operation.id)!.fact));
      if (operation.op === 'replace') adding(operation.fact);
    }
  }
  return { add, remove: [...remove] };
}

export function normalizeFact(fact: string): string {
  return fact.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!]+$/, '');
}
