-- Summaries: the chat's current summary lives on sessions; every summary ever made is archived.

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS summary_covers_to bigint;

CREATE TABLE IF NOT EXISTS summaries (
  id               bigserial PRIMARY KEY,
  session_id       bigint      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  summary          text        NOT NULL,
  -- the messages (ids in messages) folded into this summary, with the previous summary
  from_message_id  bigint,
  to_message_id    bigint      NOT NULL,
  message_count    integer     NOT NULL,
  tokens           integer     NOT NULL,
  model            text        NOT NULL,
  claim_token      text        UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS summaries_of_session ON summaries (session_id, id DESC);
