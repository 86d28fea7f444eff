import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/domain/describe-error.js';

describe('describeError', () => {
  it('names the cause a wrapper hides, once', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'APIConnectionError' });
    const wrapped = new Error('Activity task failed', { cause: new Error('Connection error.', { cause: refused }) });
    expect(describeError(wrapped)).toBe('Error: Activity task failed ← Error: Connection error. ← APIConnectionError: connect ECONNREFUSED 127.0.0.1:1');
    const repeating = new Error('Failed: 3 INVALID_ARGUMENT: WorkflowId length exceeds limit.', { cause: new Error('3 INVALID_ARGUMENT: WorkflowId length exceeds limit.') });
    expect(describeError(repeating)).toBe('Error: Failed: 3 INVALID_ARGUMENT: WorkflowId length exceeds limit.');
    expect(describeError('plain')).toBe('plain');
  });
});
