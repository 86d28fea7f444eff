/**
 * How long one attempt of a step that calls the model may take (the reply, fact extraction,
 * summaries): the workflow's timeout for it. A model call that could outlast it would be cut
 * off on every attempt and never answer.
 */
export const MODEL_STEP_TIMEOUT_MS = 90_000;

/**
 * The longest OPENAI_TIMEOUT_MS: one model call, with room in its step for what comes before
 * it (the context, the question's embedding) and after it (storing, sending).
 */
export const MAX_MODEL_CALL_MS = MODEL_STEP_TIMEOUT_MS - 10_000;
