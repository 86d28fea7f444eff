import type { ChatSettings } from '../domain/chat-settings.js';
import type { RecallMode } from '../domain/recall.js';

/** What the activities need from the configuration. */
export interface ActivitySettings extends ChatSettings {
  stmWindow: number;
  systemPrompt: string;
  contextTokenBudget: number;
  ltmTopK: number;
  /** Which rankers find earlier messages: full-text search, vectors, or both fused. */
  recall: RecallMode;
  knowledgeTopK: number;
  summaryModel: string;
}
