/** An HTTP answer that was not a success, from a service we call. */
export class HttpStatusError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    detail: string,
    /** How long the service asked us to wait before trying again (its `Retry-After`), if it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`${service} answered ${status}${retryAfterMs === null ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`}: ${detail.slice(0, 300)}`);
    this.name = 'HttpStatusError';
  }
}

/** A `Retry-After` header in milliseconds: delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** 4xx means our request is wrong and will stay wrong, except 408 and 429, which pass. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
