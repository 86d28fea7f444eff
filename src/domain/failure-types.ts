/** Failure type for calls that will fail the same way however often they are retried. */
export const PERMANENT_FAILURE = 'PermanentFailure';

/** Failure type of a reply step that found its REPLY_DEADLINE passed: it sends nothing, and is not retried. */
export const DEADLINE_PASSED = 'DeadlinePassed';

/** Why a user message was given up on without a reply (the label of chatmem_replies_unanswered_total). */
export type UnansweredReason = 'deadline' | 'refused' | 'too_old';

/** A vector of another size than the store's: the embedder answers so on every attempt. */
export class WrongVectorSize extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongVectorSize';
  }
}
