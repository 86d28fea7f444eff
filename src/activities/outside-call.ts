import { ApplicationFailure } from '@temporalio/common';
import { isBrokenCircuitError } from 'cockatiel';
import { CIRCUIT_OPEN_MS } from '../clients/circuit-breakers.js';
import { HttpStatusError, isPermanentHttpStatus } from '../clients/http-status-error.js';
import { PERMANENT_FAILURE, WrongVectorSize } from '../domain/failure-types.js';

/**
 * Runs a call to an outside service and tells Temporal's retries what its failure means:
 * an answer that will be the same on every attempt stops them (a 4xx but 408/429, or an
 * embedding of another size than the store's); a `Retry-After` sets when the next attempt
 * comes; an open circuit (the service kept failing) waits for it to close instead of calling.
 */
export async function callOutside<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error instanceof HttpStatusError && isPermanentHttpStatus(error.status)) || error instanceof WrongVectorSize) {
      throw ApplicationFailure.create({ type: PERMANENT_FAILURE, message: error.message, nonRetryable: true, cause: error });
    }
    if (error instanceof HttpStatusError && error.retryAfterMs !== null) {
      throw ApplicationFailure.create({ type: 'RetryAfter', message: error.message, nextRetryDelay: Math.max(error.retryAfterMs, 1000), cause: error });
    }
    if (isBrokenCircuitError(error)) {
      throw ApplicationFailure.create({ type: 'CircuitOpen', message: (error as Error).message, nextRetryDelay: CIRCUIT_OPEN_MS, cause: error as Error });
    }
    throw error;
  }
}
