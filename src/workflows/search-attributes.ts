import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What the Temporal Web UI can filter chats by, e.g. `ChatId = "5511988887777@c.us"`.
export const CHAT_ID = defineSearchAttributeKey('ChatId', SearchAttributeType.KEYWORD);
export const WAHA_SESSION = defineSearchAttributeKey('Session', SearchAttributeType.KEYWORD);
export const IS_GROUP = defineSearchAttributeKey('IsGroup', SearchAttributeType.BOOL);
export const LAST_INTERACTION = defineSearchAttributeKey('LastInteraction', SearchAttributeType.DATETIME);

export const CHAT_SEARCH_ATTRIBUTES = [CHAT_ID, WAHA_SESSION, IS_GROUP, LAST_INTERACTION] as const;

/** The type as the `temporal` CLI spells it (`--search-attribute ChatId=Keyword`). */
export function cliTypeName(key: { type: SearchAttributeType }): string {
  return key.type === SearchAttributeType.DATETIME ? 'Datetime' : key.type.charAt(0) + key.type.slice(1).toLowerCase();
}
