/** Failure type for calls that will fail the same way however often they are retried. */
export const PERMANENT_FAILURE = 'PermanentFailure';

/** A vector of another size than the store's: the embedder answers so on every attempt. */
export class WrongVectorSize extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongVectorSize';
  }
}
