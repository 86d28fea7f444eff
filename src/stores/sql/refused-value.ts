/** PostgreSQL's unique_violation: another row already holds the key. */
export const UNIQUE_VIOLATION = '23505';

/**
 * Why PostgreSQL refused a value for good, or null when the error may pass. Classes 22
 * (data exception: NUL in text, a timestamp out of range) and 54 (program limit: a value too
 * large for an index) and integrity violations fail the same way on every retry; a lost
 * connection, a restart, a lock or a full disk do not. A unique violation is left to retry:
 * the statements resolve their own conflicts, so one can only come from a race.
 */
export function refusedValue(error: unknown): { code: string; reason: string } | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  const permanent = code.startsWith('22') || code.startsWith('54') || (code.startsWith('23') && code !== UNIQUE_VIOLATION);
  return permanent ? { code, reason: `PostgreSQL refused the message (${code}): ${(error as Error).message}` } : null;
}
