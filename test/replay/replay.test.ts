import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, inject, it } from 'vitest';
import type { ChatWorkflowInput } from '../../src/workflows/chat-contract.js';
import { bundleWithoutLateResultsFirst, firstPayload, inboundSignalOf, learningSteps, runInput, localSteps, patchIds, quietBundlerLogger, replays } from '../support/histories.js';

const DIR = fileURLToPath(new URL('./', import.meta.url));
const histories = readdirSync(`${DIR}histories`)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ workflowId: name.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(`${DIR}histories/${name}`, 'utf8'))) }));

async function replayAll(options: Parameters<typeof Worker.runReplayHistories>[0]): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) results.push(result);
  return results;
}

describe('replaying committed workflow histories', () => {
  it('covers a plain chat, continue-as-new, a debounced burst, a human takeover, an erase, a rejected message, media read as text, a split reply, an edit and a deletion, storing and answering in one step, queued messages answered in turn, learning after a pause and carried over continue-as-new, a local activity result sdk-core handed over late, a learning pause counted from the oldest waiting message, every patch asked at once by one marker, a chat started with its first message', () => {
    expect(histories.map((h) => h.workflowId)).toEqual([
      'after-continue-as-new',
      'all-patches-at-once',
      'answers-in-turn',
      'continued-as-new',
      'debounce-by-sleep',
      'debounced-burst',
      'edited-and-deleted',
      'erased-chat',
      'first-message-in-start',
      'human-takeover',
      'late-local-result',
      'learning-after-a-pause',
      'learning-carried-in',
      'learning-carried-over',
      'learning-pause-from-oldest',
      'media-as-text',
      'one-task-continued-as-new',
      'one-task-reply',
      'plain-chat',
      'rejected-message',
      'split-reply',
      'store-and-reply',
      'unanswered-and-retried',
    ]);
    const continued = histories.find((h) => h.workflowId === 'continued-as-new')!;
    expect(continued.history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // Recorded after the LastInteraction patch: it carries the marker and the upsert; the
    // others, recorded before, carry neither and must replay all the same.
    const erased = histories.find((h) => h.workflowId === 'erased-chat')!.history.events!;
    const patchMarker = (event: (typeof erased)[number]) => event.markerRecordedEventAttributes?.markerName === 'core_patch';
    expect(erased.some(patchMarker)).toBe(true);
    expect(erased.some((event) => event.upsertWorkflowSearchAttributesEventAttributes)).toBe(true);
    expect(erased.some((event) => event.workflowExecutionUpdateCompletedEventAttributes)).toBe(true);
    expect(erased.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(histories.find((h) => h.workflowId === 'plain-chat')!.history.events!.some(patchMarker)).toBe(false);
    // Recorded after the one-task patch: replies are local activities inside the task that
    // took the message, learning is batched; the older histories have no such marker.
    const patches = (name: string) => patchIds(histories.find((h) => h.workflowId === name)!.history);
    for (const name of ['one-task-reply', 'one-task-continued-as-new']) {
      expect(patches(name).some((patch) => patch.includes('one-task-reply')), name).toBe(true);
      const events = histories.find((h) => h.workflowId === name)!.history.events!;
      expect(events.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'learnFactsFromBatch')).toBe(true);
      expect(events.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'composeReply')).toBe(false);
    }
    expect(histories.find((h) => h.workflowId === 'one-task-continued-as-new')!.history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(patches('erased-chat').some((patch) => patch.includes('one-task-reply'))).toBe(false);
    // Recorded after the REPLY_DEADLINE patch: two messages given up on, then one operator
    // retry (an update) answering both; the histories before it carry no such marker.
    expect(patches('unanswered-and-retried').some((patch) => patch.includes('reply-deadline'))).toBe(true);
    expect(histories.find((h) => h.workflowId === 'unanswered-and-retried')!.history.events!.some((event) => event.workflowExecutionUpdateCompletedEventAttributes)).toBe(true);
    expect(patches('one-task-reply').some((patch) => patch.includes('reply-deadline'))).toBe(false);
    // Recorded after the sleeping debounce: its burst waits on timers that are never cancelled.
    const slept = histories.find((h) => h.workflowId === 'debounce-by-sleep')!.history.events!;
    expect(patches('debounce-by-sleep').some((patch) => patch.includes('debounce-by-sleep'))).toBe(true);
    expect(slept.some((event) => event.timerStartedEventAttributes)).toBe(true);
    expect(slept.some((event) => event.timerCanceledEventAttributes)).toBe(false);
    expect(patches('one-task-reply').some((patch) => patch.includes('debounce-by-sleep'))).toBe(false);
    // Recorded after media became text: a voice note and an image read by activities before
    // they were stored; no earlier history reads media.
    const media = histories.find((h) => h.workflowId === 'media-as-text')!.history.events!;
    expect(patches('media-as-text').some((patch) => patch.includes('media-as-text'))).toBe(true);
    expect(media.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'readMedia')).toHaveLength(3);
    expect(patches('one-task-reply').some((patch) => patch.includes('media-as-text'))).toBe(false);
    // Recorded after replies were split: the reply step's result lists the two messages it went out as.
    const splitResults = histories.find((h) => h.workflowId === 'split-reply')!.history.events!.flatMap((event) =>
      Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((payloads) => payloads.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString('utf8')),
    );
    const delivered = splitResults.map((text) => /"parts":(\[.*?\])(,|})/.exec(text)).find(Boolean);
    expect(delivered && (JSON.parse(delivered[1]!) as unknown[]).length).toBe(2);
    // Recorded after edits and deletions were read: each is unlearned by its own step, after the
    // message it changed was learned; no earlier history has the marker.
    const changed = histories.find((h) => h.workflowId === 'edited-and-deleted')!.history.events!;
    expect(patches('edited-and-deleted').some((patch) => patch.includes('message-changes'))).toBe(true);
    expect(changed.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'applyMessageChanges')).toHaveLength(2);
    expect(patches('split-reply').some((patch) => patch.includes('message-changes'))).toBe(false);
    // The storage step's recorded result says the database refused the first message.
    const results = histories.find((h) => h.workflowId === 'rejected-message')!.history.events!.flatMap((event) =>
      Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((payloads) => payloads.payloads ?? []),
    );
    expect(results.some((payload) => Buffer.from(payload.data ?? []).toString('utf8').includes('"rejected":"PostgreSQL refused the message (22021)'))).toBe(true);
    // Recorded after storing and answering became one step without a debounce window: four
    // messages so; the model failed the third's first try (its storing read again by
    // recordArrivals, then the reply step after a timer) and refused the fourth (its storing
    // read again, kept as unanswered, not asked again); the histories before it store and
    // answer apart.
    const stepsOf = (name: string) => localSteps(histories.find((h) => h.workflowId === name)!.history);
    expect(patches('store-and-reply').some((patch) => patch.includes('store-and-reply'))).toBe(true);
    expect(stepsOf('store-and-reply').filter((step) => step === 'storeAndReply')).toHaveLength(4);
    expect(stepsOf('store-and-reply').filter((step) => step === 'recordArrivals')).toHaveLength(2);
    expect(stepsOf('store-and-reply').filter((step) => step === 'reply')).toHaveLength(1);
    expect(histories.find((h) => h.workflowId === 'store-and-reply')!.history.events!.some((event) => event.timerStartedEventAttributes)).toBe(true);
    expect(stepsOf('split-reply')).not.toContain('storeAndReply');
    expect(patches('split-reply').some((patch) => patch.includes('store-and-reply'))).toBe(false);
    // Recorded after messages that queued behind a busy reply began to be answered in turn in
    // one step: three queued behind a held reply; the step answered the first, the model failed
    // the second (stored again, answered by the reply step), the third went back to the queue
    // and was answered alone. The histories before it answer each queued message in a step of its own.
    expect(patches('answers-in-turn').some((patch) => patch.includes('answers-in-turn'))).toBe(true);
    expect(stepsOf('answers-in-turn').filter((step) => step !== 'chatSettings')).toEqual(['storeAndReply', 'storeAndReplyInTurn', 'recordArrivals', 'reply', 'storeAndReply']);
    expect(patches('store-and-reply').some((patch) => patch.includes('answers-in-turn'))).toBe(false);
    // Recorded after learning began to wait for LEARNING_PAUSE and to take one step: two
    // messages learned by one step once the pause's timer fired, the rest at once before the
    // run continued as new; the histories before it learn in two activities.
    const paced = histories.find((h) => h.workflowId === 'learning-after-a-pause')!.history.events!;
    const learningStepNames = (events: typeof paced) => learningSteps(events).map((event) => event.activityTaskScheduledEventAttributes!.activityType!.name!);
    expect(patches('learning-after-a-pause').some((patch) => patch.includes('learning-after-a-pause'))).toBe(true);
    expect(learningStepNames(paced)).toEqual(['learnFromBatch', 'learnFromBatch']);
    const firstBatch = paced.findIndex((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'learnFromBatch');
    expect(paced.slice(0, firstBatch).some((event) => event.timerFiredEventAttributes)).toBe(true);
    expect(paced.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(learningStepNames(histories.find((h) => h.workflowId === 'one-task-reply')!.history.events!)).not.toContain('learnFromBatch');
    // Recorded after continue-as-new began to hand what waits to be learned to the next run:
    // the run learned nothing and carried its messages; the next learned them first thing.
    const carriedOver = histories.find((h) => h.workflowId === 'learning-carried-over')!.history.events!;
    const carriedIn = histories.find((h) => h.workflowId === 'learning-carried-in')!.history.events!;
    expect(patches('learning-carried-over').some((patch) => patch.includes('learning-carried-over'))).toBe(true);
    expect(learningStepNames(carriedOver)).toEqual([]);
    const handedOver = firstPayload<ChatWorkflowInput>(carriedOver.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!.input).learning ?? [];
    expect(handedOver.length).toBeGreaterThan(1);
    expect(runInput(carriedIn).learning).toHaveLength(handedOver.length);
    expect(learningStepNames(carriedIn)[0]).toBe('learnFromBatch');
    expect(patches('learning-after-a-pause').some((patch) => patch.includes('learning-carried-over'))).toBe(false);
    // Recorded after late local activity results began to be handed over first: a chat flooded
    // while queried; the histories before it carry no such marker.
    expect(patches('late-local-result').some((patch) => patch.includes('late-local-results-first'))).toBe(true);
    expect(patches('learning-carried-in').some((patch) => patch.includes('late-local-results-first'))).toBe(false);
    // Recorded after the learning pause began to count from the oldest waiting message: a
    // message said while the first batch stalled past a pause was learned as that batch
    // ended, without a timer of its own.
    const fromOldest = histories.find((h) => h.workflowId === 'learning-pause-from-oldest')!.history.events!;
    expect(patches('learning-pause-from-oldest').some((patch) => patch.includes('learning-pause-from-oldest'))).toBe(true);
    expect(learningStepNames(fromOldest)).toEqual(['learnFromBatch', 'learnFromBatch']);
    expect(fromOldest.filter((event) => event.timerStartedEventAttributes)).toHaveLength(1);
    expect(patches('late-local-result').some((patch) => patch.includes('learning-pause-from-oldest'))).toBe(false);
    // Recorded after new runs began to ask every patch of 2026-12-07 by one marker: two patch
    // markers in all; every history before asked each patch on its own.
    expect(patches('all-patches-at-once')).toEqual(['late-local-results-first', 'all-patches-of-2026-12-07']);
    expect(histories.find((h) => h.workflowId === 'all-patches-at-once')!.history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    for (const other of histories.filter((h) => !['all-patches-at-once', 'first-message-in-start'].includes(h.workflowId))) expect(patches(other.workflowId), other.workflowId).not.toContain('all-patches-of-2026-12-07');
    // Recorded after the webhook beside the worker began to start new chats eagerly: the first
    // message and the settings in the run's input, no settings step, the next message a signal;
    // every history before began with a signal.
    const eager = histories.find((h) => h.workflowId === 'first-message-in-start')!.history;
    expect(runInput(eager.events!).first?.body).toBe('oi, meu nome é Lia');
    expect(runInput(eager.events!).settings?.debounceMs).toBe(0);
    expect(localSteps(eager)).not.toContain('chatSettings');
    expect(localSteps(eager).filter((step) => step === 'storeAndReply')).toHaveLength(2);
    expect(eager.events!.flatMap((event) => inboundSignalOf(event)?.body ?? [])).toEqual(['vocês entregam em Niterói?']);
    for (const other of histories.filter((h) => h.workflowId !== 'first-message-in-start')) expect(runInput(other.history.events!).first, other.workflowId).toBeUndefined();
  });

  it('the late-local-result history does not replay without late results handed over first', { timeout: 60_000 }, async () => {
    const late = histories.find((h) => h.workflowId === 'late-local-result')!;
    expect(await replays(await bundleWithoutLateResultsFirst(), late.history)).toBe(false);
  });

  it('the current workflow code replays every history', async () => {
    const results = await replayAll({ workflowBundle: { codePath: inject('workflowBundlePath') } });
    expect(results.map((r) => [r.workflowId, r.error?.message ?? 'ok'])).toEqual(histories.map((h) => [h.workflowId, 'ok']));
  });

  it('a nondeterministic edit of the workflow is caught', { timeout: 60_000 }, async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: `${DIR}altered/workflows.ts`, logger: quietBundlerLogger });
    const results = await replayAll({ workflowBundle: { code } });
    expect(results).toHaveLength(histories.length);
    for (const result of results) expect(result.error, result.workflowId).toBeInstanceOf(DeterminismViolationError);
  });
});
