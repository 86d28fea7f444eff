import type { SqlClient } from './database.js';

/**
 * Send slots of one WAHA session, one `interval` apart, handed out in order to whichever
 * worker asks: the database's clock decides, so workers on several hosts share one pace.
 */
export class SendPace {
  constructor(private readonly db: SqlClient) {}

  /**
   * Takes the next slot and says how many milliseconds from now it is (0: now). Null when
   * the next free slot is more than `maxWaitMs` away: nothing is taken, so a caller that
   * tries again later does not push every other chat further back.
   */
  async reserve(session: string, intervalMs: number, maxWaitMs: number): Promise<number | null> {
    const { rows } = await this.db.query<{ wait_ms: number }>(
      `INSERT INTO send_pace AS p (waha_session, next_at)
       VALUES ($1, clock_timestamp() + $2::float8 * interval '1 millisecond')
       ON CONFLICT (waha_session) DO UPDATE
         SET next_at = GREATEST(p.next_at, clock_timestamp()) + $2::float8 * interval '1 millisecond'
         WHERE p.next_at <= clock_timestamp() + $3::float8 * interval '1 millisecond'
       RETURNING GREATEST(0, extract(epoch FROM (p.next_at - $2::float8 * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 AS wait_ms`,
      [session, intervalMs, maxWaitMs],
    );
    return rows[0] ? Number(rows[0].wait_ms) : null;
  }
}
