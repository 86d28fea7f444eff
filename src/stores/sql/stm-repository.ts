import type { InboundMessage, MessageChange } from '../../domain/inbound-message.js';
import type { TranscriptLine } from '../../domain/prompt.js';
import type { RecallHit, RecalledLine, SearchTerm } from '../../domain/recall.js';
import type { Database } from './database.js';
import { UNIQUE_VIOLATION } from './refused-value.js';
import type { SentMessageId } from '../../domain/waha-send-result.js';
import { replyPartClaimTokens } from '../../domain/reply-pacing.js';

export interface ChatRef {
  session: string;
  chatId: string;
}

export interface StoredInbound {
  /** True when this handling owns the row: a new message, or our own earlier attempt. */
  fresh: boolean;
  /** Stored by this very statement: no earlier attempt of the handling got as far as storing it, so none went further. */
  storedNow?: true;
}

/** The message an edit or deletion changed, as the transcript holds it. */
export interface ChangedMessage {
  /** WAHA's full id of the changed message: what long-term memory and facts name it by. */
  messageId: string;
  actorId: string;
  /** Its time, seconds since the epoch. */
  timestamp: number;
  /** False when this change was already recorded (a retry, another delivery). */
  fresh: boolean;
  /** The message is deleted (by this change or an earlier one): an edit of it teaches nothing. */
  deleted: boolean;
  /** Set when a deletion took summaries with it: the chat's summary now (null: none). */
  summary?: { text: string | null };
}

export interface ReplyRecord extends ChatRef {
  text: string;
  meId: string;
  inReplyTo: string;
  claimToken: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface StoredReplyPart {
  rowId: string;
  text: string;
  /** When it was stored (ms): no attempt can have sent it before then. */
  storedAt: number;
  /** Its WhatsApp id once an attempt sent it and recorded that. */
  sent: SentMessageId | null;
}

interface PartRow {
  id: string;
  content: string;
  stored_at: number;
  waha_message_id: string | null;
  wa_id: string | null;
}

/** Marks the claim token of a message stored and given back unanswered (`releaseClaims`). */
const RELEASED = 'released:';

/** The ids that payloads carrying both forms tied to the people in `ids` (lid ↔ phone form); may name some of `ids` themselves. */
const OTHER_PERSON_IDS = (session: string, ids: string) =>
  `SELECT phone AS id FROM person_ids WHERE waha_session = ${session} AND lid = ANY(${ids}::text[])
   UNION
   SELECT lid FROM person_ids WHERE waha_session = ${session} AND phone = ANY(${ids}::text[])`;

const notAmong = (given: string[], ids: string[]) => ids.filter((id) => !given.includes(id));

/** What a message says now: its latest edit, else what was first written (kept in `content`). */
const CURRENT_CONTENT = 'coalesce(edited_content, content) AS content';

const PART_COLUMNS = 'id, content, (extract(epoch FROM created_at) * 1000)::float8 AS stored_at, waha_message_id, wa_id';

function storedReplyPart(row: PartRow): StoredReplyPart {
  return {
    rowId: String(row.id),
    text: row.content,
    storedAt: Number(row.stored_at),
    sent: row.waha_message_id && row.wa_id ? { messageId: row.waha_message_id, waId: row.wa_id } : null,
  };
}

/**
 * Short-term memory in PostgreSQL: `sessions` (one row per chat) and the append-only
 * `messages` transcript. Every write is idempotent so that activities can retry freely.
 */
export class StmRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores a WhatsApp message once per WAHA session + fromMe + WhatsApp id. The claim token
   * tells a retry of the same handling (fresh) from another delivery of the message, e.g.
   * its `@lid` twin handled by another chat's workflow (not fresh). A payload that carried the
   * person's lid beside the phone form links the two in the same statement (one round trip per
   * message, not two).
   */
  async recordInbound(message: InboundMessage, claimToken: string): Promise<StoredInbound> {
    const role = message.fromMe ? 'assistant' : 'user';
    const profileName = !message.isGroupChat && !message.fromMe ? message.senderName : null;
    const { rows } = await this.db.query<{ id: string; fresh: boolean; stored_now: boolean }>(
      // A known message touches nothing, not even its chat's row: an echo arriving under
      // another chat form must not leave an empty chat behind.
      `WITH known AS (
         SELECT id, claim_token FROM messages WHERE waha_session = $1 AND from_me = $9 AND wa_id = $12
       ), adopted AS (
         -- A message a step stored and then gave back unanswered (releaseClaims) is the next step's.
         -- The row lock makes one step the taker, should two ever try.
         UPDATE messages SET claim_token = $17 WHERE id IN (SELECT id FROM known) AND claim_token LIKE '${RELEASED}%' RETURNING id
       ), s AS (
         INSERT INTO sessions (waha_session, chat_id, user_id, is_group, profile_name, last_interaction_at)
         SELECT $1, $2, $3, $4::boolean, $5, to_timestamp($6) WHERE NOT EXISTS (SELECT 1 FROM known)
         ON CONFLICT (waha_session, chat_id) DO UPDATE SET
           last_interaction_at = GREATEST(sessions.last_interaction_at, EXCLUDED.last_interaction_at),
           profile_name = COALESCE(EXCLUDED.profile_name, sessions.profile_name)
         RETURNING id
       ), linked AS (
         -- The lid and the phone form a payload carried together are one person: facts and erase cover both.
         INSERT INTO person_ids (waha_session, lid, phone) SELECT $1, $18, $19 WHERE $18::text IS NOT NULL
         ON CONFLICT (waha_session, lid) DO UPDATE SET phone = EXCLUDED.phone, seen_at = now() WHERE person_ids.phone <> EXCLUDED.phone
       ), m AS (
         INSERT INTO messages (session_id, waha_session, role, content, from_me, source, waha_message_id, wa_id,
                               actor_id, sender_name, has_media, media_mimetype, claim_token, created_at)
         SELECT s.id, $1, $7, $8, $9::boolean, $10, $11, $12, $13, $14, $15::boolean, $16, $17, to_timestamp($6) FROM s
         ON CONFLICT DO NOTHING
         RETURNING id
       )
       SELECT id, true AS fresh, true AS stored_now FROM m
       UNION ALL
       SELECT id, claim_token IS NOT DISTINCT FROM $17 OR id IN (SELECT id FROM adopted) AS fresh, false FROM known`,
      [
        message.session,
        message.chatId,
        message.ltmId,
        message.isGroupChat,
        profileName,
        message.timestamp,
        role,
        message.body,
        message.fromMe,
        message.source,
        message.messageId,
        message.waId,
        message.actorId,
        message.senderName,
        message.hasMedia,
        message.mediaMimetype,
        claimToken,
        message.contactOtherId ?? null,
        message.contactId,
      ],
    );
    const row = rows[0];
    if (row?.stored_now) return { fresh: true, storedNow: true };
    if (row?.fresh) return { fresh: true };
    // Not ours. If the other copy was committed between our snapshot and our insert, the
    // statement above still created this chat's row: drop it again when it holds nothing.
    // Only this chat's workflow writes messages into it, so nothing can be arriving there now.
    await this.db.query(
      `DELETE FROM sessions s WHERE s.waha_session = $1 AND s.chat_id = $2
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id)`,
      [message.session, message.chatId],
    );
    return { fresh: false };
  }

  /**
   * Gives back messages a step stored under these claim tokens and then left unanswered: the
   * workflow queues them again and the step that takes them next stores them under new
   * tokens, and must find them fresh (`recordInbound`), or they would never be answered.
   */
  async releaseClaims(claimTokens: string[]): Promise<void> {
    if (!claimTokens.length) return;
    await this.db.query(`UPDATE messages SET claim_token = '${RELEASED}' || claim_token WHERE claim_token = ANY($1::text[])`, [claimTokens]);
  }

  /**
   * Records an edit or a deletion of one of the session's messages (the one with `fromMe` and
   * the change's target id): appended to `message_changes`, and the message's current text or
   * deletion set on its row; its original text stays. A deleted message that a summary folded
   * in takes those summaries with it, and the chat's summary goes back to the latest made
   * before it. Null when the message is unknown (sent before chatmem, or erased).
   */
  async recordChange(message: InboundMessage & { change: MessageChange }): Promise<ChangedMessage | null> {
    const revoked = message.change.kind === 'revoked';
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string; session_id: string; waha_message_id: string | null; actor_id: string; at: number; fresh: boolean; deleted: boolean }>(
        `WITH target AS (
           SELECT id, session_id, waha_message_id, actor_id, revoked_at, extract(epoch FROM created_at)::float8 AS at
             FROM messages WHERE waha_session = $1 AND from_me = $2 AND wa_id = $3
         ), c AS (
           INSERT INTO message_changes (message_id, kind, content, waha_message_id, changed_at)
           SELECT id, $4, $5, $6, to_timestamp($7) FROM target
           ON CONFLICT DO NOTHING
           RETURNING message_id
         ), u AS (
           UPDATE messages m SET edited_content = CASE WHEN $4 = 'edited' THEN $5 ELSE m.edited_content END,
                                 revoked_at = CASE WHEN $4 = 'revoked' THEN to_timestamp($7) ELSE m.revoked_at END
             FROM c WHERE m.id = c.message_id
           RETURNING m.id, m.revoked_at
         )
         SELECT target.*, EXISTS (SELECT 1 FROM u) AS fresh,
                target.revoked_at IS NOT NULL OR EXISTS (SELECT 1 FROM u WHERE u.revoked_at IS NOT NULL) AS deleted
           FROM target`,
        [message.session, message.fromMe, message.change.targetWaId, message.change.kind, revoked ? null : message.body, message.messageId, message.timestamp],
      );
      const target = rows[0];
      if (!target) return null;
      const changed: ChangedMessage = { messageId: target.waha_message_id ?? message.messageId, actorId: target.actor_id, timestamp: Math.floor(Number(target.at)), fresh: target.fresh, deleted: target.deleted };
      if (!revoked || !target.fresh) return changed;
      const { rows: dropped } = await tx.query(
        'DELETE FROM summaries WHERE session_id = $1 AND to_message_id >= $2 RETURNING id',
        [target.session_id, target.id],
      );
      if (dropped.length === 0) return changed;
      const { rows: kept } = await tx.query<{ summary: string | null }>(
        `UPDATE sessions s SET summary = latest.summary, summary_covers_to = latest.to_message_id, summary_updated_at = now()
           FROM (SELECT NULL::text AS summary, NULL::bigint AS to_message_id, 0 AS rank
                 UNION ALL
                 (SELECT summary, to_message_id, 1 FROM summaries WHERE session_id = $1 ORDER BY id DESC LIMIT 1)
                 ORDER BY rank DESC LIMIT 1) latest
          WHERE s.id = $1
         RETURNING s.summary`,
        [target.session_id],
      );
      return { ...changed, summary: { text: kept[0]?.summary ?? null } };
    });
  }

  /** The other ids of these people (lid ↔ phone form), as payloads that carried both told; never the ids given. */
  async otherIdsOf(session: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string }>(OTHER_PERSON_IDS('$1', '$2'), [session, ids]);
    return notAmong(ids, rows.map((row) => row.id));
  }

  /**
   * Forgets that `id` and another id are one person once nothing is left under either: no
   * chat of theirs and no message they wrote in the session. Returns how many links went.
   */
  async forgetPersonIdsIfGone(session: string, id: string): Promise<number> {
    const { rows } = await this.db.query(
      `DELETE FROM person_ids p WHERE p.waha_session = $1 AND (p.lid = $2 OR p.phone = $2)
          AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.waha_session = $1 AND s.chat_id IN (p.lid, p.phone))
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.waha_session = $1 AND NOT m.from_me AND m.actor_id IN (p.lid, p.phone))
       RETURNING p.lid`,
      [session, id],
    );
    return rows.length;
  }

  /** What these user messages of a chat say now, oldest first; deleted ones are left out. */
  async currentUserTexts(chat: ChatRef, messageIds: string[]): Promise<{ messageId: string; body: string; timestamp: number }[]> {
    if (messageIds.length === 0) return [];
    const { rows } = await this.db.query<{ waha_message_id: string; content: string; at: number }>(
      `SELECT m.waha_message_id, ${CURRENT_CONTENT}, extract(epoch FROM m.created_at)::float8 AS at
         FROM messages m JOIN sessions s ON s.id = m.session_id
        WHERE s.waha_session = $1 AND s.chat_id = $2 AND NOT m.from_me AND m.revoked_at IS NULL
          AND m.waha_message_id = ANY($3::text[]) AND coalesce(m.edited_content, m.content) IS NOT NULL
        ORDER BY m.id`,
      [chat.session, chat.chatId, messageIds],
    );
    return rows.map((row) => ({ messageId: row.waha_message_id, body: row.content, timestamp: Math.floor(Number(row.at)) }));
  }

  /**
   * What a prompt reads of the chat itself, in one round trip (each reply makes it): the
   * current summary and how far it reaches, and the last `limit` messages it does not cover,
   * oldest first: an indexed read, never the whole chat. With `through` (a WhatsApp message
   * id), the transcript ends at that message, as it stood when it came: an answer to an older
   * message (`chatmem retry`) must not read newer ones as the question. With `people`, also
   * their other ids (`otherIdsOf`), which the prompt's knowledge is looked up under: a
   * statement less per reply.
   */
  async promptTranscript(chat: ChatRef, limit: number, through?: string, people: string[] = []): Promise<{ window: TranscriptLine[]; summary: string | null; coversTo: string | null; otherIds: string[] }> {
    const { rows } = await this.db.query<Partial<LineRow> & { waha_message_id: string | null; summary: string | null; summary_covers_to: string | null; other_ids: string[] }>(
      `SELECT s.summary, s.summary_covers_to, w.waha_message_id, w.role, w.content, w.sender_name, w.actor_id, w.has_media,
              ARRAY(${OTHER_PERSON_IDS('$1', '$5')}) AS other_ids
         FROM sessions s
         LEFT JOIN LATERAL (
           SELECT m.id, m.waha_message_id, m.role, ${CURRENT_CONTENT}, m.sender_name, m.actor_id, m.has_media
             FROM messages m
            WHERE m.session_id = s.id AND m.id > COALESCE(s.summary_covers_to, 0) AND m.revoked_at IS NULL
              AND m.id <= COALESCE((SELECT max(t.id) FROM messages t WHERE t.session_id = s.id AND t.waha_message_id = $4), m.id)
            ORDER BY m.id DESC LIMIT $3
         ) w ON true
        WHERE s.waha_session = $1 AND s.chat_id = $2
        ORDER BY w.id DESC`,
      [chat.session, chat.chatId, limit, through ?? null, people],
    );
    // A chat with no message after its summary is one row without a message.
    const lines = rows.filter((row): row is typeof row & LineRow => row.role != null);
    return {
      window: lines.reverse().map((row) => ({ messageId: row.waha_message_id, ...toLine(row) })),
      summary: rows[0]?.summary ?? null,
      coversTo: rows[0]?.summary_covers_to ?? null,
      otherIds: notAmong(people, rows[0]?.other_ids ?? []),
    };
  }

  /**
   * The chat's user messages that share words with `terms`, best first: BM25's weighting
   * (rare words count more, long messages a little less) over the `search_text` index.
   */
  async searchTranscript(chat: ChatRef, terms: SearchTerm[], limit: number, skipMessageIds: Set<string>): Promise<RecallHit[]> {
    if (terms.length === 0 || limit === 0) return [];
    const { rows } = await this.db.query<{ waha_message_id: string; at: number }>(
      // Only what users wrote: the bot's replies restate the questions they answer.
      `WITH s AS (
         SELECT id FROM sessions WHERE waha_session = $1 AND chat_id = $2
       ), stats AS MATERIALIZED (
         SELECT count(*)::float8 AS n, greatest(avg(length(m.search_text)), 1)::float8 AS avg_len
           FROM messages m JOIN s ON m.session_id = s.id WHERE NOT m.from_me
       ), term AS MATERIALIZED (
         SELECT q.query, (SELECT count(*) FROM messages m JOIN s ON m.session_id = s.id
                           WHERE m.search_text @@ q.query AND NOT m.from_me)::float8 AS df
           FROM unnest($3::text[], $6::bool[]) AS t(word, prefix)
          CROSS JOIN LATERAL (SELECT CASE WHEN t.prefix THEN to_tsquery('chatmem_text', t.word || ':*') ELSE plainto_tsquery('chatmem_text', t.word) END) AS q(query)
       )
       SELECT m.waha_message_id, extract(epoch FROM m.created_at)::float8 AS at,
              sum(ln(1 + (stats.n - term.df + 0.5) / (term.df + 0.5))
                  * 2.2 / (1 + 1.2 * (0.25 + 0.75 * length(m.search_text) / stats.avg_len))) AS score
         FROM term JOIN messages m ON m.search_text @@ term.query JOIN s ON m.session_id = s.id CROSS JOIN stats
        WHERE term.df > 0 AND NOT m.from_me AND m.revoked_at IS NULL AND m.waha_message_id IS NOT NULL AND NOT m.waha_message_id = ANY($5::text[])
        GROUP BY m.id, m.waha_message_id, m.created_at
        ORDER BY score DESC, m.id DESC
        LIMIT $4`,
      [chat.session, chat.chatId, terms.map((term) => term.word), limit, [...skipMessageIds], terms.map((term) => term.prefix)],
    );
    return rows.map((row) => ({ messageId: row.waha_message_id, timestamp: Number(row.at) }));
  }

  /** Those of these messages the bot answered. */
  async answeredByBot(chat: ChatRef, messageIds: string[]): Promise<Set<string>> {
    if (messageIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ in_reply_to: string }>(
      `SELECT DISTINCT r.in_reply_to FROM messages r JOIN sessions s ON r.session_id = s.id
        WHERE s.waha_session = $1 AND s.chat_id = $2 AND r.from_me AND r.in_reply_to = ANY($3::text[])`,
      [chat.session, chat.chatId, messageIds],
    );
    return new Set(rows.map((row) => row.in_reply_to));
  }

  /** Each of these messages with up to `radius` turns before and after it in its chat, oldest first. */
  async linesAround(chat: ChatRef, messageIds: string[], radius: number): Promise<Map<string, RecalledLine[]>> {
    const around = new Map<string, RecalledLine[]>();
    if (messageIds.length === 0) return around;
    const columns = `id, waha_message_id, role, ${CURRENT_CONTENT}, sender_name, actor_id, has_media, extract(epoch FROM created_at)::float8 AS at`;
    const { rows } = await this.db.query<LineRow & { hit: string; id: string; waha_message_id: string | null; at: number }>(
      `WITH s AS (
         SELECT id FROM sessions WHERE waha_session = $1 AND chat_id = $2
       ), hit AS (
         SELECT m.id, m.session_id, m.waha_message_id FROM messages m JOIN s ON m.session_id = s.id
          WHERE m.waha_message_id = ANY($3::text[]) AND m.revoked_at IS NULL
       )
       SELECT hit.waha_message_id AS hit, line.* FROM hit CROSS JOIN LATERAL (
         (SELECT ${columns} FROM messages WHERE session_id = hit.session_id AND id < hit.id AND revoked_at IS NULL ORDER BY id DESC LIMIT $4)
         UNION ALL
         (SELECT ${columns} FROM messages WHERE id = hit.id)
         UNION ALL
         (SELECT ${columns} FROM messages WHERE session_id = hit.session_id AND id > hit.id AND revoked_at IS NULL ORDER BY id LIMIT $4)
       ) line
       ORDER BY hit.id, line.id`,
      [chat.session, chat.chatId, messageIds, radius],
    );
    for (const row of rows) {
      const lines = around.get(row.hit) ?? [];
      lines.push({ rowId: String(row.id), messageId: row.waha_message_id, timestamp: Number(row.at), ...toLine(row) });
      around.set(row.hit, lines);
    }
    return around;
  }

  /** The chat's current summary and the last message it covers. */
  async currentSummary(chat: ChatRef): Promise<{ summary: string | null; coversTo: string | null }> {
    const { rows } = await this.db.query<{ summary: string | null; summary_covers_to: string | null }>(
      'SELECT summary, summary_covers_to FROM sessions WHERE waha_session = $1 AND chat_id = $2',
      [chat.session, chat.chatId],
    );
    return { summary: rows[0]?.summary ?? null, coversTo: rows[0]?.summary_covers_to ?? null };
  }

  /** Messages after the current summary, oldest first, with their ids (at most `limit`). */
  async messagesToSummarize(chat: ChatRef, limit: number): Promise<(TranscriptLine & { id: string })[]> {
    const { rows } = await this.db.query<LineRow & { id: string }>(
      `SELECT m.id, m.role, ${CURRENT_CONTENT}, m.sender_name, m.actor_id, m.has_media
         FROM sessions s JOIN messages m ON m.session_id = s.id
        WHERE s.waha_session = $1 AND s.chat_id = $2 AND m.id > COALESCE(s.summary_covers_to, 0) AND m.revoked_at IS NULL
        ORDER BY m.id LIMIT $3`,
      [chat.session, chat.chatId, limit],
    );
    return rows.map((row) => ({ id: String(row.id), ...toLine(row) }));
  }

  /**
   * Makes `summary` the chat's current one and archives it, once per claim token: a
   * retried activity gets the stored summary back.
   */
  async storeSummary(chat: ChatRef, record: { summary: string; fromId: string | null; toId: string; messageCount: number; tokens: number; model: string; claimToken: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO summaries (session_id, summary, from_message_id, to_message_id, message_count, tokens, model, claim_token)
         SELECT id, $3, $4, $5, $6, $7, $8, $9 FROM sessions WHERE waha_session = $1 AND chat_id = $2
         ON CONFLICT (claim_token) DO NOTHING RETURNING id`,
        [chat.session, chat.chatId, record.summary, record.fromId, record.toId, record.messageCount, record.tokens, record.model, record.claimToken],
      );
      if (rows.length === 0) return;
      await tx.query(
        `UPDATE sessions SET summary = $3, summary_updated_at = now(), summary_covers_to = $4
          WHERE waha_session = $1 AND chat_id = $2`,
        [chat.session, chat.chatId, record.summary, record.toId],
      );
    });
  }

  async findSummary(claimToken: string): Promise<{ summary: string; tokens: number } | null> {
    const { rows } = await this.db.query<{ summary: string; tokens: number }>('SELECT summary, tokens FROM summaries WHERE claim_token = $1', [claimToken]);
    return rows[0] ?? null;
  }

  /** The reply an earlier attempt of the same handling stored, if any (its first message, for runs from before splitting). */
  async findReply(claimToken: string): Promise<{ rowId: string; text: string } | null> {
    const [first] = await this.findClaimedReplyParts(claimToken);
    return first ? { rowId: first.rowId, text: first.text } : null;
  }

  /** Every message a reply was split into, in the order they are sent; empty when none is stored yet. */
  async findClaimedReplyParts(claimToken: string): Promise<StoredReplyPart[]> {
    // Asked before every reply, and nearly always empty. The first part carries the reply's own
    // token, so a lookup of it by the unique index comes first and the rest runs only when it is
    // there: a prepared statement first planned on a near-empty table keeps a sequential scan
    // for the list of part tokens until the next ANALYZE (measured: 1.2 ms a reply a few
    // thousand rows into a fresh database, more than half of what its statements took; 0.016 ms so).
    const { rows } = await this.db.query<PartRow>(
      `SELECT ${PART_COLUMNS} FROM messages
        WHERE claim_token = ANY($1::text[]) AND role = 'assistant' AND EXISTS (SELECT 1 FROM messages WHERE claim_token = $2)
        ORDER BY id`,
      [replyPartClaimTokens(claimToken), claimToken],
    );
    return rows.map(storedReplyPart);
  }

  /**
   * Which of these WhatsApp ids another of the bot's replies already has: a message with the
   * same text sent earlier is that reply, not a lost send of this one. (An echo stored under
   * the other chat form is no reply: it has no `in_reply_to`.)
   */
  async idsOfOtherReplies(session: string, waIds: string[], rowId: string): Promise<Set<string>> {
    if (waIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ wa_id: string }>(
      `SELECT wa_id FROM messages
        WHERE waha_session = $1 AND from_me AND wa_id = ANY($2::text[]) AND in_reply_to IS NOT NULL AND id <> $3`,
      [session, waIds, rowId],
    );
    return new Set(rows.map((row) => row.wa_id));
  }

  /** Stores our reply before it is sent, so the transcript never misses what the bot said. */
  async recordReply(reply: ReplyRecord): Promise<string> {
    return (await this.recordReplyParts(reply, [reply.text]))[0]!.rowId;
  }

  /**
   * Stores a reply as the messages it is sent in, one row each, all in one statement: a retry
   * finds every part or none. Part 0 carries the reply's claim token, the others derived ones.
   */
  async recordReplyParts(reply: Omit<ReplyRecord, 'text'>, parts: string[]): Promise<StoredReplyPart[]> {
    const tokens = replyPartClaimTokens(reply.claimToken).slice(0, parts.length);
    const { rows } = await this.db.query<PartRow>(
      `WITH s AS (
         UPDATE sessions SET last_interaction_at = GREATEST(last_interaction_at, to_timestamp($5 / 1000.0))
          WHERE waha_session = $1 AND chat_id = $2
         RETURNING id
       ), m AS (
         INSERT INTO messages (session_id, waha_session, role, content, from_me, source, actor_id, in_reply_to,
                               claim_token, created_at)
         SELECT s.id, $1, 'assistant', part.content, true, 'api', $3, $4, part.token, to_timestamp($5 / 1000.0)
           FROM s, unnest($6::text[], $7::text[]) WITH ORDINALITY AS part(content, token, n)
          ORDER BY part.n
         ON CONFLICT (claim_token) DO NOTHING
         RETURNING ${PART_COLUMNS}
       )
       SELECT * FROM m
       UNION ALL
       SELECT ${PART_COLUMNS} FROM messages WHERE claim_token = ANY($7::text[]) AND NOT EXISTS (SELECT 1 FROM m)
       ORDER BY id`,
      [reply.session, reply.chatId, reply.meId, reply.inReplyTo, reply.at, parts, tokens],
    );
    if (!rows.length) throw new Error(`no session row for ${reply.session}/${reply.chatId}: the inbound message must be stored first`);
    return rows.map(storedReplyPart);
  }

  /** The WAHA ids of a chat's user messages and who wrote them: what long-term memory learned from. */
  async userMessageSources(chat: ChatRef): Promise<{ messageIds: string[]; actorIds: string[] }> {
    const { rows } = await this.db.query<{ waha_message_id: string; actor_id: string }>(
      `SELECT m.waha_message_id, m.actor_id FROM messages m JOIN sessions s ON s.id = m.session_id
        WHERE s.waha_session = $1 AND s.chat_id = $2 AND NOT m.from_me AND m.waha_message_id IS NOT NULL
        ORDER BY m.id`,
      [chat.session, chat.chatId],
    );
    return { messageIds: rows.map((row) => row.waha_message_id), actorIds: [...new Set(rows.map((row) => row.actor_id))] };
  }

  /** Erases a chat: its row, every message and every summary. */
  async eraseChat(chat: ChatRef): Promise<ErasedRows> {
    return this.db.transaction(async (tx) => {
      const { rows: messages } = await tx.query(
        'DELETE FROM messages m USING sessions s WHERE m.session_id = s.id AND s.waha_session = $1 AND s.chat_id = $2 RETURNING m.id',
        [chat.session, chat.chatId],
      );
      const { rows: summaries } = await tx.query(
        'DELETE FROM summaries x USING sessions s WHERE x.session_id = s.id AND s.waha_session = $1 AND s.chat_id = $2 RETURNING x.id',
        [chat.session, chat.chatId],
      );
      const { rows: chats } = await tx.query('DELETE FROM sessions WHERE waha_session = $1 AND chat_id = $2 RETURNING id', [chat.session, chat.chatId]);
      return { messages: messages.length, summaries: summaries.length, chats: chats.length };
    });
  }

  /**
   * Erases one person from a group: their messages and the bot's replies to them. When
   * anything went, the chat's summaries go too (they may speak of the person) and the
   * remaining transcript counts as not yet summarized.
   */
  async eraseContactInChat(chat: ChatRef, contactId: string): Promise<ErasedRows> {
    return this.db.transaction(async (tx) => {
      const { rows: messages } = await tx.query(
        `WITH theirs AS (
           SELECT m.id, m.waha_message_id FROM messages m JOIN sessions s ON s.id = m.session_id
            WHERE s.waha_session = $1 AND s.chat_id = $2 AND NOT m.from_me AND m.actor_id = $3
         )
         DELETE FROM messages m USING sessions s
          WHERE m.session_id = s.id AND s.waha_session = $1 AND s.chat_id = $2
            AND (m.id IN (SELECT id FROM theirs) OR m.in_reply_to IN (SELECT waha_message_id FROM theirs))
         RETURNING m.id`,
        [chat.session, chat.chatId, contactId],
      );
      if (messages.length === 0) return { messages: 0, summaries: 0, chats: 0 };
      const { rows: summaries } = await tx.query(
        'DELETE FROM summaries x USING sessions s WHERE x.session_id = s.id AND s.waha_session = $1 AND s.chat_id = $2 RETURNING x.id',
        [chat.session, chat.chatId],
      );
      await tx.query(
        'UPDATE sessions SET summary = NULL, summary_updated_at = NULL, summary_covers_to = NULL WHERE waha_session = $1 AND chat_id = $2',
        [chat.session, chat.chatId],
      );
      return { messages: messages.length, summaries: summaries.length, chats: 0 };
    });
  }

  /**
   * Gives the stored reply WAHA's id once it is sent. WAHA's echo of a reply sent to an
   * `@lid` chat can reach another chat's workflow and be stored there first; that copy is
   * removed (with the chat row it alone created), so the reply is stored once, in its chat.
   */
  async markReplySent(rowId: string, sent: { messageId: string; waId: string }): Promise<void> {
    // Almost always no copy was stored first: one statement instead of a transaction of four round trips.
    try {
      const { rows } = await this.db.query(
        `UPDATE messages SET waha_message_id = $2, wa_id = $3 WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM messages twin WHERE twin.waha_session = messages.waha_session AND twin.from_me AND twin.wa_id = $3 AND twin.id <> $1)
         RETURNING id`,
        [rowId, sent.messageId, sent.waId],
      );
      if (rows.length) return;
    } catch (error) {
      // The echo's copy was stored between the check and the update: it is removed below.
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    }
    await this.db.transaction(async (tx) => {
      const { rows: twins } = await tx.query<{ session_id: string }>(
        `DELETE FROM messages m USING messages mine
          WHERE mine.id = $1 AND m.waha_session = mine.waha_session AND m.from_me AND m.wa_id = $2 AND m.id <> mine.id
         RETURNING m.session_id`,
        [rowId, sent.waId],
      );
      await tx.query('UPDATE messages SET waha_message_id = $2, wa_id = $3 WHERE id = $1', [rowId, sent.messageId, sent.waId]);
      if (twins.length) {
        await tx.query(
          'DELETE FROM sessions s WHERE s.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id)',
          [twins.map((twin) => twin.session_id)],
        );
      }
    });
  }
}

export interface ErasedRows {
  messages: number;
  summaries: number;
  chats: number;
}

/** The columns a transcript line is made of. */
interface LineRow {
  role: TranscriptLine['role'];
  content: string | null;
  sender_name: string | null;
  actor_id: string;
  has_media: boolean;
}

function toLine(row: LineRow): Omit<TranscriptLine, 'messageId'> {
  return { role: row.role, content: row.content, senderName: row.sender_name, actorId: row.actor_id, hasMedia: row.has_media };
}
