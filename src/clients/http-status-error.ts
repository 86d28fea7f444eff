/** An HTTP answer that was not a success, from a service we call. */
export class HttpStatusError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${service} answered ${status}: ${detail.slice(0, 300)}`);
    this.name = 'HttpStatusError';
  }
}

/** 4xx means our request is wrong and will stay wrong, except 408 and 429, which pass. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
