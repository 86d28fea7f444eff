import { ApplicationFailure } from '@temporalio/common';
import { HttpStatusError, isPermanentHttpStatus } from '../clients/http-status-error.js';
import { PERMANENT_FAILURE, WrongVectorSize } from '../domain/failure-types.js';

/**
 * Runs a call to an outside service; an answer that will be the same on every attempt stops
 * Temporal's retries: a 4xx (but 408/429), or an embedding of another size than the store's.
 */
export async function failPermanentlyOnRefusal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error instanceof HttpStatusError && isPermanentHttpStatus(error.status)) || error instanceof WrongVectorSize) {
      throw ApplicationFailure.create({ type: PERMANENT_FAILURE, message: error.message, nonRetryable: true, cause: error });
    }
    throw error;
  }
}
