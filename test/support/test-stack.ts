import { inject } from 'vitest';
import { startStack, type StackOptions } from './stack.js';

/** The stack for a test file, with the Temporal CLI and workflow bundle the global setup made. */
export function startTestStack(options: Omit<StackOptions, 'temporalCli' | 'workflowBundlePath'> = {}) {
  return startStack({ ...options, temporalCli: inject('temporalCli'), workflowBundlePath: inject('workflowBundlePath') });
}

export type { Stack } from './stack.js';
