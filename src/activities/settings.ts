import type { Config } from '../config.js';

/**
 * What the activities need from the configuration: its `chat` section (the ChatSettings the
 * workflow acts on) and its `context` section (what goes into the model's prompt), as they are.
 */
export type ActivitySettings = Pick<Config, 'chat' | 'context'>;

export type ContextSettings = Config['context'];
