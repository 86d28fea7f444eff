import { CHAT_SEARCH_ATTRIBUTES, cliTypeName } from '../workflows/search-attributes.js';

/**
 * Flags for `temporal server start-dev`, the same for the embedded server and the tests':
 * chatmem's search attributes, and activities handed straight to the worker that
 * scheduled them (eager execution, one task-queue partition) to skip a trip through matching.
 */
export function devServerArgs(): string[] {
  return [
    ...CHAT_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key)}`]),
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
  ];
}
