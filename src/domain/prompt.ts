/** A message of the short-term window, as the prompt needs it. */
export interface TranscriptLine {
  role: 'user' | 'assistant' | 'system';
  content: string | null;
  senderName: string | null;
  actorId: string;
  hasMedia: boolean;
}

export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * System prompt + the last messages of the chat, oldest first. In groups each user line
 * carries its speaker, so the model can tell people apart.
 */
export function composePrompt(input: { systemPrompt: string; isGroupChat: boolean; window: TranscriptLine[] }): PromptMessage[] {
  const messages: PromptMessage[] = [{ role: 'system', content: input.systemPrompt }];
  for (const line of input.window) {
    const text = lineText(line);
    if (!text) continue;
    const speaker = input.isGroupChat && line.role === 'user' ? `${line.senderName ?? line.actorId}: ` : '';
    messages.push({ role: line.role, content: speaker + text });
  }
  return messages;
}

function lineText(line: TranscriptLine): string {
  if (line.content && line.hasMedia) return `[media] ${line.content}`;
  if (line.content) return line.content;
  return line.hasMedia ? '[media without caption]' : '';
}
