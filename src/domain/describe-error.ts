/**
 * An error and its causes in one line, outermost first: the SDKs wrap the failure that
 * matters ("connect ECONNREFUSED", "invalid UTF-8") in errors that say only what failed.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let cause: unknown = error;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 6; depth++) {
    if (!(cause instanceof Error)) {
      parts.push(String(cause));
      break;
    }
    // A wrapper that repeats its cause's words adds nothing.
    if (!cause.message || !parts.at(-1)?.includes(cause.message)) parts.push(cause.message ? `${cause.name}: ${cause.message}` : cause.name);
    cause = cause.cause;
  }
  return parts.join(' ← ');
}
