-- When each WAHA session (one WhatsApp number) may send next, shared by every worker, so
-- SEND_RATE_PER_MINUTE paces the number's sends across all its chats.
CREATE TABLE IF NOT EXISTS send_pace (
  waha_session text        PRIMARY KEY,
  next_at      timestamptz NOT NULL
);
