import type { PromptMessage, TranscriptLine } from './prompt.js';
import { transcriptMessages } from './prompt.js';

export interface Recalled {
  text: string;
  score: number;
}

export interface ContextInput {
  systemPrompt: string;
  isGroupChat: boolean;
  summary: string | null;
  /** Facts about the person (or the group's speakers), most relevant first. */
  knowledge: Recalled[];
  /** Earlier messages found by similarity, most similar first. */
  memories: Recalled[];
  /** The chat's recent transcript, oldest first; its last `mustKeep` lines are the message(s) being answered. */
  window: TranscriptLine[];
  mustKeep: number;
  budgetTokens: number;
  countTokens: (text: string) => number;
}

export interface AssembledContext {
  messages: PromptMessage[];
  tokens: number;
  dropped: { memories: number; windowLines: number; knowledge: number; summaryTruncated: boolean };
}

// Chat formats add a few tokens per message around the content.
const MESSAGE_OVERHEAD = 4;

/**
 * System prompt + summary + user knowledge + recalled memories + recent transcript under a
 * token budget. What matters least goes first: the least similar memories, then the oldest
 * transcript lines, then the least relevant facts, and only then the start of the summary.
 * The system prompt and the message(s) being answered always stay.
 */
export function assembleContext(input: ContextInput): AssembledContext {
  const memories = [...input.memories];
  const knowledge = [...input.knowledge];
  let window = [...input.window];
  let summary = input.summary;
  const dropped = { memories: 0, windowLines: 0, knowledge: 0, summaryTruncated: false };
  // Each round below drops one part and counts again: transcript lines are counted once.
  const counted = new Map<string, number>();
  const countTokens = (text: string) => {
    let tokens = counted.get(text);
    if (tokens === undefined) counted.set(text, (tokens = input.countTokens(text)));
    return tokens;
  };

  const build = () => {
    const system = [input.systemPrompt];
    if (knowledge.length) system.push(`What you know about ${input.isGroupChat ? 'the people in this group' : 'this person'}:\n${knowledge.map((k) => `- ${k.text}`).join('\n')}`);
    if (summary) system.push(`Summary of the conversation so far:\n${summary}`);
    if (memories.length) system.push(`Earlier messages that may be relevant:\n${memories.map((m) => `- ${m.text}`).join('\n')}`);
    const messages: PromptMessage[] = [{ role: 'system', content: system.join('\n\n') }, ...transcriptMessages(window, input.isGroupChat)];
    const tokens = messages.reduce((sum, message) => sum + MESSAGE_OVERHEAD + countTokens(message.content), 0);
    return { messages, tokens };
  };

  let built = build();
  while (built.tokens > input.budgetTokens) {
    if (memories.length) {
      memories.pop();
      dropped.memories += 1;
    } else if (window.length > input.mustKeep) {
      window = window.slice(1);
      dropped.windowLines += 1;
    } else if (knowledge.length) {
      knowledge.pop();
      dropped.knowledge += 1;
    } else if (summary) {
      const excess = built.tokens - input.budgetTokens;
      const words = summary.split(/\s+/);
      const keep = Math.max(0, words.length - Math.max(1, Math.ceil(excess * 0.75)));
      summary = keep > 0 ? `…${words.slice(words.length - keep).join(' ')}` : null;
      dropped.summaryTruncated = true;
    } else break;
    built = build();
  }
  return { ...built, dropped };
}
