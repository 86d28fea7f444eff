import { bulkhead, isBulkheadRejectedError } from 'cockatiel';
import type { ChatSignaler } from './chat-signaler.js';

/** Too many deliveries are on their way to Temporal already: this one was not tried; WAHA should deliver it again shortly. */
export class DeliveriesBusy extends Error {
  constructor(readonly limits: DeliveryLimits) {
    super(`${limits.maxInFlight} deliveries in flight to Temporal and ${limits.maxQueued} waiting: try again shortly`);
    this.name = 'DeliveriesBusy';
  }
}

export interface DeliveryLimits {
  /** signalWithStart calls in flight at once (WEBHOOK_MAX_IN_FLIGHT). */
  maxInFlight: number;
  /** Deliveries waiting for one of them (WEBHOOK_MAX_QUEUED); past that a delivery is refused at once. */
  maxQueued: number;
}

/**
 * A flood of deliveries (thousands of new chats at once) waits for its turn instead of
 * opening thousands of calls to Temporal; once the queue is full too, a delivery is refused
 * at once with DeliveriesBusy, which the webhook answers with 503 and Retry-After.
 */
export function limitDeliveries(signaler: ChatSignaler, limits: DeliveryLimits): ChatSignaler {
  const gate = bulkhead(limits.maxInFlight, limits.maxQueued);
  return {
    async deliver(message) {
      try {
        return await gate.execute(() => signaler.deliver(message));
      } catch (error) {
        throw isBulkheadRejectedError(error) ? new DeliveriesBusy(limits) : error;
      }
    },
  };
}
