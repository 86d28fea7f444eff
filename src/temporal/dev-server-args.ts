import { CHAT_SEARCH_ATTRIBUTES, cliTypeName } from '../workflows/search-attributes.js';

/**
 * Settings a Temporal server needs for chatmem, beyond its defaults. docker-compose.yml gives
 * its server the same values (deploy/temporal-dynamic-config.yaml).
 *
 * A chat's reply holds its workflow task while the model answers, and the messages that arrive
 * meanwhile wait in the server as buffered events. Past 100 of them (the default) the server
 * force-closes the task, the reply's result is thrown away, and sdk-core can lose track of the
 * run ("Trying to send a new WFT for a run which already has one!"), leaving the chat silent. A
 * burst of a thousand messages in one chat fits under this limit (the 2 MiB byte limit still
 * applies).
 *
 * Each history shard loads new tasks (a workflow task to hand to the worker, a timer that
 * fired) at most 20 times a second by default. The dev server has one shard, so past 20
 * messages a second every workflow task waited for the next 50 ms slot: 25 ms more per reply
 * on average (sequential p50 47 → 26–28 ms in bench:pipeline), with no more server CPU per
 * message under load.
 *
 * A new chat's workflow starts eagerly when the webhook runs beside a worker (chat-signaler):
 * the server hands the first workflow task back in its answer to the start, instead of
 * through matching to a poll.
 */
export const SERVER_DYNAMIC_CONFIG = {
  'history.maximumBufferedEventsBatch': 1000,
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 1000,
  'system.enableEagerWorkflowStart': true,
} as const;

/**
 * Flags for `temporal server start-dev`, the same for the embedded server and the tests':
 * chatmem's search attributes, the server settings above, and activities handed straight to
 * the worker that scheduled them (eager execution, one task-queue partition) to skip a trip
 * through matching.
 */
export function devServerArgs(): string[] {
  const settings = {
    ...SERVER_DYNAMIC_CONFIG,
    'system.enableActivityEagerExecution': true,
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
  };
  return [
    ...CHAT_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key)}`]),
    ...Object.entries(settings).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
  ];
}
