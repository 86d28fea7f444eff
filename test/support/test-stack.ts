import { afterAll, beforeAll, inject } from 'vitest';
import { startStack, type Stack, type StackOptions } from './stack.js';

/** The stack for a test file, with the Temporal CLI and workflow bundle the global setup made. */
export function startTestStack(options: Omit<StackOptions, 'temporalCli' | 'workflowBundlePath'> = {}) {
  return startStack({ ...options, temporalCli: inject('temporalCli'), workflowBundlePath: inject('workflowBundlePath') });
}

/**
 * The stack of a test file: started before its tests, stopped after them. What it returns
 * stands for the stack once started (using it at the file's top level, before, is an error).
 */
export function useTestStack(options: Parameters<typeof startTestStack>[0] = {}): Stack {
  let started: Stack | null = null;
  beforeAll(async () => {
    started = await startTestStack(options);
  });
  afterAll(async () => started?.stop());
  return new Proxy({} as Stack, {
    get(_, key) {
      if (!started) throw new Error(`the test stack is not started yet (stack.${String(key)} used outside a test or hook)`);
      return Reflect.get(started, key, started);
    },
  });
}

export type { Stack } from './stack.js';
