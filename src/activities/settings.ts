import type { ChatSettings } from '../domain/chat-settings.js';
import type { RecallMode } from '../domain/recall.js';

/** What goes into the model's prompt: the `context` section of the configuration. */
export interface ContextSettings {
  stmWindow: number;
  systemPrompt: string;
  contextTokenBudget: number;
  ltmTopK: number;
  /** Which rankers find earlier messages: full-text search, vectors, or both fused. */
  recall: RecallMode;
  knowledgeTopK: number;
  summaryModel: string;
}

/** What the activities need from the configuration: its `chat` and `context` sections as they are. */
export interface ActivitySettings {
  chat: ChatSettings;
  context: ContextSettings;
}
