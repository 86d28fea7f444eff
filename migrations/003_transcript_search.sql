-- Full-text search over the transcript, for recall beside the vectors. The `simple`
-- configuration works for every language (no stemming, no stop words); where the unaccent
-- extension can be had, accents are folded too, so "voce" finds "você".

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'chatmem_text') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS unaccent;
      CREATE TEXT SEARCH CONFIGURATION chatmem_text (COPY = simple);
      ALTER TEXT SEARCH CONFIGURATION chatmem_text ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    EXCEPTION WHEN OTHERS THEN
      CREATE TEXT SEARCH CONFIGURATION chatmem_text (COPY = simple);
    END;
  END IF;
END
$$;

ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_text tsvector
  GENERATED ALWAYS AS (to_tsvector('chatmem_text', coalesce(content, ''))) STORED;

CREATE INDEX IF NOT EXISTS messages_search_text ON messages USING gin (search_text);
-- Recalled lines are found again by their WhatsApp id, to read the turns around them.
CREATE INDEX IF NOT EXISTS messages_by_waha_id ON messages (session_id, waha_message_id);
-- Which recalled messages the bot answered (in a group, those were asked of it).
CREATE INDEX IF NOT EXISTS messages_by_in_reply_to ON messages (session_id, in_reply_to) WHERE in_reply_to IS NOT NULL;
