-- Short-term memory: the transcript of every chat, the single source of truth.

CREATE TABLE IF NOT EXISTS sessions (
  id                   bigserial PRIMARY KEY,
  waha_session         text        NOT NULL,
  chat_id              text        NOT NULL,
  -- the person for a private chat (contactId), the group itself for a group
  user_id              text        NOT NULL,
  is_group             boolean     NOT NULL,
  -- the contact's WhatsApp display name (pushName); groups have none here
  profile_name         text,
  started_at           timestamptz NOT NULL DEFAULT now(),
  last_interaction_at  timestamptz NOT NULL,
  summary              text,
  summary_updated_at   timestamptz,
  UNIQUE (waha_session, chat_id)
);

CREATE TABLE IF NOT EXISTS messages (
  id               bigserial PRIMARY KEY,
  session_id       bigint      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- repeated from the session so that one WhatsApp message is unique per WAHA session,
  -- whichever chat form (@c.us or @lid) it arrived under
  waha_session     text        NOT NULL,
  role             text        NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  content          text,
  from_me          boolean     NOT NULL,
  source           text,
  waha_message_id  text,
  wa_id            text,
  actor_id         text        NOT NULL,
  sender_name      text,
  has_media        boolean     NOT NULL DEFAULT false,
  media_mimetype   text,
  -- for our replies: the WAHA id of the message answered
  in_reply_to      text,
  -- which handling stored the row: a retried activity finds its own row again
  claim_token      text UNIQUE,
  created_at       timestamptz NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (waha_session, from_me, wa_id)
);

CREATE INDEX IF NOT EXISTS messages_last_n_of_session ON messages (session_id, id DESC);
