-- Edits and deletions. The transcript keeps what was first written (`content`); every change
-- is recorded in `message_changes`, and the message row carries what it says now
-- (`edited_content`, `revoked_at`) so that every read of the transcript sees the current text.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS edited_content text;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS revoked_at timestamptz;

CREATE TABLE IF NOT EXISTS message_changes (
  id               bigserial PRIMARY KEY,
  message_id       bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  kind             text        NOT NULL CHECK (kind IN ('edited', 'revoked')),
  -- the new text of an edit; null for a deletion
  content          text,
  -- WAHA's id of the edit or deletion event's own message
  waha_message_id  text,
  changed_at       timestamptz NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT now()
);

-- The same change delivered again (a retry, the chat's other form) is recorded once.
CREATE UNIQUE INDEX IF NOT EXISTS message_changes_once ON message_changes (message_id, kind, changed_at, md5(coalesce(content, '')));

-- Full-text search finds what a message says now: an edit's words, nothing of a deleted one.
DROP INDEX IF EXISTS messages_search_text;
ALTER TABLE messages DROP COLUMN IF EXISTS search_text;
ALTER TABLE messages ADD COLUMN search_text tsvector GENERATED ALWAYS AS (
  CASE WHEN revoked_at IS NULL THEN to_tsvector('chatmem_text', coalesce(edited_content, content, '')) ELSE ''::tsvector END
) STORED;
CREATE INDEX IF NOT EXISTS messages_search_text ON messages USING gin (search_text);
