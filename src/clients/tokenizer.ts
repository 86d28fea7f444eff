import { countTokens as count } from 'gpt-tokenizer';

/** Tokens of `text` in the o200k encoding (GPT-4o and later); close enough for budgeting other models. */
export function countTokens(text: string): number {
  return text ? count(text) : 0;
}
