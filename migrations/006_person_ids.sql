-- One person, two ids: the lid and the phone form (`…@lid`, `…@c.us`) a payload carried
-- together, so facts and erase cover both.
CREATE TABLE IF NOT EXISTS person_ids (
  waha_session  text        NOT NULL,
  lid           text        NOT NULL,
  phone         text        NOT NULL,
  seen_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (waha_session, lid)
);

CREATE INDEX IF NOT EXISTS person_ids_by_phone ON person_ids (waha_session, phone);
