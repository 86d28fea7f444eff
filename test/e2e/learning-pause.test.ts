import type { temporal } from '@temporalio/proto';
import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

// Long enough that the three replies below come well within it, even on a slow machine.
const stack = useTestStack({ env: { DEBOUNCE_MS: '0', LEARNING_PAUSE: '8s' } });

const learningSteps = (events: HistoryEvent[]) => events.filter((event) => ['learnFromBatch', 'rememberMessage', 'learnFactsFromBatch'].includes(event.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));

describe('learning after LEARNING_PAUSE', () => {
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

    const learned = await vi.waitUntil(async () => {
      const state = await stack.chatState('default', chat);
      return state.learningBacklog === 0 ? state : undefined;
    }, WAIT_MS);
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
