import type { ChatSettings } from '../domain/chat-settings.js';

/** What the activities need from the configuration. */
export interface ActivitySettings extends ChatSettings {
  stmWindow: number;
  systemPrompt: string;
  contextTokenBudget: number;
  ltmTopK: number;
  knowledgeTopK: number;
  summaryModel: string;
}
