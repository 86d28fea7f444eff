/** Failure type for calls that will fail the same way however often they are retried. */
export const PERMANENT_FAILURE = 'PermanentFailure';
