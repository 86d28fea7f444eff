import { createHash } from 'node:crypto';
import { KNOWLEDGE_PROMPT_MARKER } from '../domain/knowledge.js';
import { VISION_PROMPT_MARKER } from '../domain/media.js';
import { SUMMARY_PROMPT_MARKER } from '../domain/summary.js';

/**
 * The deterministic model of offline mode (and of the tests' OpenAI stand-in): replies
 * quote the question and show how many prompt messages the model saw, facts come from a
 * few sentence patterns, summaries list the conversation's frequent words, and embeddings
 * are hashed word features, so texts that share words are similar. No key, no network.
 */
export interface ChatMessage {
  role: string;
  /** Text, or text and image parts (a vision request). */
  content: string;
}

/** A vision request's user content, as the `openai` client sends it. */
type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export function answerFor(messages: ChatMessage[]): string {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  if (system.includes(VISION_PROMPT_MARKER)) return describeImage(messages.at(-1)?.content as unknown as ContentPart[]);
  if (system.includes(KNOWLEDGE_PROMPT_MARKER)) return JSON.stringify({ operations: extractFacts(messages.at(-1)?.content ?? '{}') });
  if (system.includes(SUMMARY_PROMPT_MARKER)) return summarize(messages.at(-1)?.content ?? '');
  return replyFor(messages);
}

export function replyFor(messages: ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const digest = createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 8);
  return `Re: ${lastUser.slice(0, 120)} [${messages.length} msgs ${digest}]`;
}

/** Whether `reply` is the offline model's answer to a (short) message with this text. */
export function isReplyTo(reply: string, text: string): boolean {
  return reply.startsWith('Re: ') && reply.includes(`${text} [`);
}

/**
 * Offline mode cannot hear or see; it reads the text a file carries after `chatmem:text=`
 * (the simulator's voice notes and images, the tests' fixtures) and otherwise says what it got.
 */
export const OFFLINE_MEDIA_TEXT_MARKER = 'chatmem:text=';

function carriedText(bytes: Buffer): string | null {
  const text = bytes.toString('latin1');
  const at = text.indexOf(OFFLINE_MEDIA_TEXT_MARKER);
  if (at < 0) return null;
  return Buffer.from(text.slice(at + OFFLINE_MEDIA_TEXT_MARKER.length).split('\0')[0]!, 'latin1').toString('utf8').trim() || null;
}

/** The offline transcript of an audio file. */
export function transcribe(bytes: Buffer): string {
  return carriedText(bytes) ?? `(a voice note of ${Math.max(1, Math.round(bytes.length / 1024))} KB; offline mode does not transcribe)`;
}

function describeImage(parts: ContentPart[] | undefined): string {
  const image = (Array.isArray(parts) ? parts : []).find((part) => part.type === 'image_url');
  if (!image || image.type !== 'image_url') return 'no image';
  const bytes = Buffer.from(image.image_url.url.slice(image.image_url.url.indexOf(',') + 1), 'base64');
  return carriedText(bytes) ?? `an image of ${Math.max(1, Math.round(bytes.length / 1024))} KB; offline mode does not see`;
}

const END = String.raw`\s*(?:[.,!?;]|$)`;
const VALUE = String.raw`([\p{L}\p{N}][\p{L}\p{N} ]*?)`;
const PATTERNS: [RegExp, (m: RegExpMatchArray) => { topic: string; value: string; remove?: boolean }][] = [
  [new RegExp(String.raw`\b(?:my name is|meu nome é|me chamo)\s+([\p{L}]+)`, 'iu'), (m) => ({ topic: 'name', value: m[1]! })],
  [new RegExp(String.raw`\bmy favou?rite ([\p{L}]+) is (?:now )?${VALUE}${END}`, 'iu'), (m) => ({ topic: `favorite ${m[1]}`, value: m[2]! })],
  [new RegExp(String.raw`\b(?:meu|minha) ([\p{L}]+) favorit[oa] (?:agora )?é ${VALUE}${END}`, 'iu'), (m) => ({ topic: `favorite ${m[1]}`, value: m[2]! })],
  [new RegExp(String.raw`\b(?:i live in|moro em)\s+${VALUE}${END}`, 'iu'), (m) => ({ topic: 'city', value: m[1]! })],
  [new RegExp(String.raw`\bi(?: am|'m) no longer allergic to ${VALUE}${END}`, 'iu'), (m) => ({ topic: 'allergy', value: m[1]!, remove: true })],
  [new RegExp(String.raw`\bi(?: am|'m) allergic to ${VALUE}${END}`, 'iu'), (m) => ({ topic: 'allergy', value: m[1]! })],
];

function extractFacts(content: string): unknown[] {
  const { storedFacts = [], message, messages } = JSON.parse(content) as { storedFacts?: { id: string; fact: string }[]; message?: string; messages?: string[] };
  const stored = storedFacts.map((fact) => {
    const [topic, ...rest] = fact.fact.split(':');
    return { id: fact.id, topic: topic!.trim().toLowerCase(), value: rest.join(':').trim().toLowerCase() };
  });
  // Several messages read in order: what a later one says of a topic wins.
  const latest = new Map<string, { value: string; remove: boolean }>();
  for (const text of messages ?? [message ?? '']) {
    // A mention (`@5511988887777`, `@bot`) is not part of what the person says of themselves.
    for (const sentence of clauses(text.replace(/\s*@\S+/g, ''))) {
      for (const [pattern, read] of PATTERNS) {
        const match = sentence.match(pattern);
        if (!match) continue;
        const { topic, value, remove } = read(match);
        latest.set(topic.toLowerCase(), { value: withoutWhen(value).toLowerCase(), remove: !!remove });
        break;
      }
    }
  }
  const operations: unknown[] = [];
  for (const [topic, { value, remove }] of latest) {
    const fact = `${topic}: ${value}`;
    const same = stored.find((s) => s.topic === topic);
    if (remove) {
      if (same && same.value === value) operations.push({ op: 'delete', id: same.id });
    } else if (!same) operations.push({ op: 'add', fact });
    else if (same.value !== value) operations.push({ op: 'replace', id: same.id, fact });
  }
  return operations;
}

/**
 * Sentences, and within them clauses joined by "and"/"e" when a new one starts with I/my
 * ("my name is Ana and I live in Recife"), so one line can teach several facts while a
 * value such as "rice and beans" stays whole.
 */
function clauses(message: string): string[] {
  return message.split(/(?<=[.!?])\s+|,?\s+(?:and|e)\s+(?=(?:i|i'm|my|eu|meu|minha|moro|me)\s)/iu);
}

/** "I live in Lisbon now": when it became true is not part of the fact. */
function withoutWhen(value: string): string {
  return value.trim().replace(/\s+(?:now|nowadays|these days|today|agora|hoje|atualmente)$/iu, '');
}

const STOP_WORDS = new Set('a o e é de da do que em um uma the a an is to of and in my i you your re msgs new messages previous summary'.split(' '));

function summarize(request: string): string {
  const lines = request.split('\n').filter((line) => line.includes(': '));
  const counts = new Map<string, number>();
  for (const word of words(request)) if (!STOP_WORDS.has(word) && word.length > 3) counts.set(word, (counts.get(word) ?? 0) + 1);
  const topics = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 12).map(([word]) => word);
  return `Conversation so far (${lines.length} lines folded in): topics ${topics.join(', ')}.`;
}

export function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Hashed bag of words, L2-normalized: shared words make vectors similar. */
export function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of words(text)) {
    const hash = createHash('sha1').update(word).digest();
    const index = hash.readUInt32BE(0) % dimensions;
    vector[index]! += hash[4]! & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector.map((_, i) => (i === 0 ? 1 : 0)) : vector.map((v) => v / norm);
}
