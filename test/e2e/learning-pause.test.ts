import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { KNOWLEDGE_PROMPT_MARKER } from '../../src/domain/knowledge.js';
import { WAIT_MS } from '../support/http.js';
import { learningSteps } from '../support/histories.js';
import { sayWhileLearningStalls } from '../support/learning-stall.js';
import { useTestStack } from '../support/test-stack.js';


describe('learning after LEARNING_PAUSE', () => {
  // Long enough that the three replies below come well within it, even on a slow machine.
  const stack = useTestStack({ env: { DEBOUNCE_MS: '0', LEARNING_PAUSE: '8s' } });

  it('answers each message at once and learns what the chat said meanwhile in one step, once the pause is over', async () => {
    const chat = '5521933330101@c.us';
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chat));
    const said = ['meu nome é Lia', 'moro em Natal', 'quero um bolo de rolo'];
    for (const body of said) {
      await stack.say(chat, body);
      await stack.replyTo(body);
    }
    // Every reply went out before anything was learned: all three wait, and the Web UI says so.
    expect((await stack.chatState('default', chat)).learningBacklog).toBe(3);
    expect(learningSteps((await handle.fetchHistory()).events ?? [])).toHaveLength(0);

    const learned = await stack.learned(chat, { timeoutMs: WAIT_MS });
    expect(learned.learningFailures).toBe(0);
    const events = (await handle.fetchHistory()).events ?? [];
    const steps = learningSteps(events);
    expect(steps.map((step) => step.activityTaskScheduledEventAttributes!.activityType!.name)).toEqual(['learnFromBatch']);
    const input = Buffer.from(steps[0]!.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString('utf8');
    for (const body of said) expect(input).toContain(body);
    // One step did both: the three are in long-term memory and the person's facts are known.
    expect(await stack.deps.ltm.store.count('longterm_memory', { chatId: chat })).toBe(3);
    const memory = (await handle.query('memory')) as { knowledge: Record<string, string[]> };
    expect(memory.knowledge[chat]).toEqual(expect.arrayContaining(['name: lia', 'city: natal']));
  });
});

describe('a message that waited while the batch before it was learned', () => {
  const pauseMs = 3000;
  const stack = useTestStack({ env: { DEBOUNCE_MS: '0', LEARNING_PAUSE: `${pauseMs}ms` } });

  it('is learned once LEARNING_PAUSE has passed since it came, not a whole pause after that batch', async () => {
    const chat = '5521933330103@c.us';
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chat));
    // The first batch's fact extraction stalls past the second message's pause.
    await sayWhileLearningStalls(stack, chat, ['meu nome é Téo', 'moro em Belém'], pauseMs + 500);
    const learned = await stack.learned(chat, { timeoutMs: WAIT_MS });
    expect(learned.learningFailures).toBe(0);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(learningSteps(events)).toHaveLength(2);
    // One pause, before the first batch; the second began as the first ended.
    const pauses = events.filter((event) => event.timerStartedEventAttributes);
    expect(pauses).toHaveLength(1);
    expect(await stack.deps.ltm.store.count('longterm_memory', { chatId: chat })).toBe(2);
  });
});

describe('continuing as new with messages still to learn', () => {
  // Nothing is learned before the run ends; a summary comes after a few turns.
  const stack = useTestStack({ env: { DEBOUNCE_MS: '0', LEARNING_PAUSE: '10m', SUMMARY_TOKEN_LIMIT: '300' } });

  it('hands them to the next run, which answers at once and learns them behind it', async () => {
    const chat = '5521933330102@c.us';
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chat));
    // Fact extraction stalls: a run that learned everything before continuing as new would stall with it.
    const gate = stack.openai.hold((_, messages) => messages[0]?.content.startsWith(KNOWLEDGE_PROMPT_MARKER) ?? false);
    const said = ['meu nome é Rui'];
    let firstRun: string;
    try {
      await stack.say(chat, said[0]!);
      await stack.replyTo(said[0]!);
      firstRun = (await handle.describe()).runId;
      for (let i = 0; (await handle.describe()).runId === firstRun; i++) {
        if (i > 60) throw new Error('the chat never continued as new');
        said.push(`pedido ${i}: quero saber da entrega número ${i}`);
        await stack.say(chat, said.at(-1)!);
        await stack.replyTo(said.at(-1)!);
      }
      said.push('e o pedido chega hoje?');
      await stack.say(chat, said.at(-1)!);
      await stack.replyTo(said.at(-1)!);
      // Answered while what the first run said still waits, behind the stalled model, in this run.
      expect((await stack.chatState('default', chat)).learningBacklog).toBeGreaterThan(0);
    } finally {
      gate.release();
    }
    const first = (await stack.client.workflow.getHandle(chatWorkflowId('default', chat), firstRun).fetchHistory()).events ?? [];
    expect(learningSteps(first)).toHaveLength(0);
    // It handed over everything it stored, oldest first.
    const handedOver = first.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!.input!.payloads![0]!.data!;
    const carried = (JSON.parse(Buffer.from(handedOver).toString('utf8')) as { learning?: { body: string }[] }).learning?.map((message) => message.body) ?? [];
    expect(carried.length).toBeGreaterThan(1);
    expect(carried).toEqual(said.slice(0, carried.length));

    // The next run learns them: nothing lost on the way, and only what was said in it waits, for its own pause.
    await vi.waitUntil(async () => (await stack.deps.ltm.store.count('longterm_memory', { chatId: chat })) === carried.length, WAIT_MS);
    const state = await stack.learned(chat, { backlog: said.length - carried.length, timeoutMs: WAIT_MS });
    expect(state.learningFailures).toBe(0);
    const memory = (await handle.query('memory')) as { knowledge: Record<string, string[]> };
    expect(memory.knowledge[chat]).toEqual(expect.arrayContaining(['name: rui']));
  });
});
