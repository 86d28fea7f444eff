import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { HttpStatusError, isPermanentHttpStatus } from './http-status-error.js';
import type { LlmClient } from './llm-client.js';
import type { WahaClient } from './waha-client.js';

/** Failures in a row (timeouts, 5xx, 429, refused connections) after which a service's circuit opens. */
export const CIRCUIT_FAILURES = 5;
/** How long an open circuit lets no call through before one tries whether the service is back. */
export const CIRCUIT_OPEN_MS = 10_000;

export interface CircuitEvents {
  /** The service's circuit opened (true) or closed again (false). */
  onChange(service: string, open: boolean): void;
}

/**
 * One circuit per outside service in this process: while a service keeps failing, the
 * chats waiting on it stop calling it (their attempts fail at once with BrokenCircuitError
 * and come back when the circuit may close), so a recovering API is not hammered by a
 * thousand retries. A 4xx that means "your request is wrong" says nothing about the
 * service's health and does not count.
 */
export function circuitFor(service: string, events?: CircuitEvents) {
  const breaker = circuitBreaker(
    handleWhen((error) => !(error instanceof HttpStatusError && isPermanentHttpStatus(error.status))),
    { halfOpenAfter: CIRCUIT_OPEN_MS, breaker: new ConsecutiveBreaker(CIRCUIT_FAILURES) },
  );
  events?.onChange(service, false);
  breaker.onStateChange((state) => {
    if (state === CircuitState.Open) events?.onChange(service, true);
    if (state === CircuitState.Closed) events?.onChange(service, false);
  });
  return <T>(call: () => Promise<T>): Promise<T> => breaker.execute(call);
}

export function llmBehindCircuit(llm: LlmClient, events?: CircuitEvents): LlmClient {
  const circuit = circuitFor('llm', events);
  return { complete: (messages, options) => circuit(() => llm.complete(messages, options)) };
}

export function wahaBehindCircuit(waha: WahaClient, events?: CircuitEvents): WahaClient {
  const circuit = circuitFor('waha', events);
  return {
    sendText: (request) => circuit(() => waha.sendText(request)),
    findSentText: (query) => circuit(() => waha.findSentText(query)),
    downloadMedia: (url, maxBytes) => circuit(() => waha.downloadMedia(url, maxBytes)),
    // Presence is a courtesy: its failures (NOWEB lacks some of it) must not open the circuit sends go through.
    sendSeen: (request) => waha.sendSeen(request),
    setTyping: (request, typing) => waha.setTyping(request, typing),
  };
}
