// The workflow bundle's entry point: every workflow the worker runs.
export { chatWorkflow } from './chat-workflow.js';
