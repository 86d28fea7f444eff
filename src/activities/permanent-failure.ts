import { ApplicationFailure } from '@temporalio/common';
import { HttpStatusError, isPermanentHttpStatus } from '../clients/http-status-error.js';
import { PERMANENT_FAILURE } from '../domain/failure-types.js';


/** Runs a call to an outside service; a 4xx (but 408/429) answer stops Temporal's retries. */
export async function failPermanentlyOn4xx<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HttpStatusError && isPermanentHttpStatus(error.status)) {
      throw ApplicationFailure.create({ type: PERMANENT_FAILURE, message: error.message, nonRetryable: true, cause: error });
    }
    throw error;
  }
}
