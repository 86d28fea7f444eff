import { isMediaText } from './media.js';

/** A message of the short-term window, as the prompt needs it. */
export interface TranscriptLine {
  /** WAHA id of the message (null for a reply not yet sent). */
  messageId?: string | null;
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

/** The transcript as chat messages, oldest first. In groups each user line carries its speaker. */
export function transcriptMessages(window: TranscriptLine[], isGroupChat: boolean): PromptMessage[] {
  const messages: PromptMessage[] = [];
  for (const line of window) {
    const text = lineText(line);
    if (!text) continue;
    const speaker = isGroupChat && line.role === 'user' ? `${line.senderName ?? line.actorId}: ` : '';
    messages.push({ role: line.role, content: speaker + text });
  }
  return messages;
}

export function lineText(line: TranscriptLine): string {
  if (line.content && line.hasMedia && !isMediaText(line.content)) return `[media] ${line.content}`;
  if (line.content) return line.content;
  return line.hasMedia ? '[media without caption]' : '';
}
