/** Marks the summarization prompt. */
export const SUMMARY_PROMPT_MARKER = '[chatmem:summary]';

export const SUMMARY_SYSTEM_PROMPT = `${SUMMARY_PROMPT_MARKER}
Summarize this WhatsApp conversation for the assistant that continues it. Start from the
previous summary, if any, and fold in the new messages. Keep names, facts about the
person, open questions, promises and decisions; drop greetings and small talk. Write at
most 200 words, in the conversation's language.`;

export interface SummaryLine {
  role: 'user' | 'assistant' | 'system';
  speaker: string;
  content: string;
}

/** The user message of the summarization prompt: previous summary, then the new lines. */
export function summaryRequest(previous: string | null, lines: SummaryLine[]): string {
  const transcript = lines.map((line) => `${line.speaker}: ${line.content}`).join('\n');
  return `${previous ? `Previous summary:\n${previous}\n\n` : ''}New messages:\n${transcript}`;
}
