import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import type { ChatWorkflowInput } from '../../src/workflows/chat-contract.js';
import { WORKFLOWS_PATH } from '../../src/workflows/workflow-code.js';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;

interface LocalActivityMarker {
  activity_type: string;
  original_schedule_time?: { seconds: number; nanos: number };
}

/** A local activity's marker as sdk-core records it (null for any other event). */
function markerData(event: Event): LocalActivityMarker | null {
  const marker = event.markerRecordedEventAttributes;
  const data = marker?.markerName === 'core_local_activity' ? marker.details?.data : undefined;
  return data?.payloads?.[0]?.data ? firstPayload<LocalActivityMarker>(data) : null;
}

type Payloads = temporal.api.common.v1.IPayloads;

/** The first value of a history's payloads (a run's input, a signal's argument), decoded. */
export function firstPayload<T>(payloads: Payloads | null | undefined): T {
  return JSON.parse(Buffer.from(payloads!.payloads![0]!.data!).toString('utf8')) as T;
}

/** The input a run was started with, from its first event. */
export function runInput(events: Event[]): ChatWorkflowInput {
  return firstPayload(events[0]!.workflowExecutionStartedEventAttributes!.input);
}

/** The message an `inbound` signal brought the chat (null for any other event). */
export function inboundSignalOf(event: Event): InboundMessage | null {
  const signal = event.workflowExecutionSignaledEventAttributes;
  return signal?.signalName === 'inbound' ? firstPayload(signal.input) : null;
}

/** Every message the run was given, in order: the one it was started with (an eager start), then each signalled. */
export function messagesDelivered(events: Event[]): InboundMessage[] {
  const first = runInput(events).first;
  return [...(first ? [first] : []), ...events.flatMap((event) => inboundSignalOf(event) ?? [])];
}

/** The activity type of a local activity's marker (null for any other event). */
export function localActivityOf(event: Event): string | null {
  return markerData(event)?.activity_type ?? null;
}

/** The local activities a history ran, in order. */
export function localSteps(history: History): string[] {
  return (history.events ?? []).map(localActivityOf).filter((step): step is string => step !== null);
}

/** The patches a history's markers record, in order. */
export function patchIds(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return Object.values(marker.details ?? {}).flatMap((payloads) => (payloads.payloads ?? []).map((payload) => (JSON.parse(Buffer.from(payload.data ?? []).toString('utf8')) as { id: string }).id));
  });
}

/** The learning activities a history scheduled (one step, or the two of runs from before it). */
export function learningSteps(events: Event[]): Event[] {
  return events.filter((event) => ['learnFromBatch', 'rememberMessage', 'learnFactsFromBatch'].includes(event.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));
}

/**
 * Local activity results that reached their run in a later workflow task than the one that
 * scheduled them, a task that began with signals: what sdk-core does when it answers a query
 * while a local activity runs (see src/workflows/late-local-results.ts). Each is named by the
 * activity's type.
 */
export function lateLocalResults(history: History): string[] {
  const events = history.events ?? [];
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  const late: string[] = [];
  for (const event of events) {
    const data = markerData(event);
    if (!data) continue;
    const completedId = Number(event.markerRecordedEventAttributes!.workflowTaskCompletedEventId);
    const started = byId.get(Number(byId.get(completedId)?.workflowTaskCompletedEventAttributes?.startedEventId));
    const scheduledAt = data.original_schedule_time ? data.original_schedule_time.seconds * 1000 + data.original_schedule_time.nanos / 1e6 : Infinity;
    if (!started || scheduledAt >= millisOf(started)) continue;
    if (signalsBefore(events, Number(started.eventId))) late.push(data.activity_type);
  }
  return late;
}

/** Whether signals came between the workflow task before this one and this one's start. */
function signalsBefore(events: Event[], startedId: number): boolean {
  for (let index = events.findIndex((event) => Number(event.eventId) === startedId) - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.workflowTaskCompletedEventAttributes) return false;
    if (event.workflowExecutionSignaledEventAttributes) return true;
  }
  return false;
}

function millisOf(event: Event): number {
  return Number(event.eventTime!.seconds) * 1000 + (event.eventTime!.nanos ?? 0) / 1e6;
}

/** The chat workflow's code with late local activity results handed over as they come (test/replay/altered). */
export async function bundleWithoutLateResultsFirst(): Promise<{ code: string }> {
  const handling = fileURLToPath(new URL('../../src/workflows/late-local-results.ts', import.meta.url));
  const without = fileURLToPath(new URL('../replay/altered/no-late-local-results.ts', import.meta.url));
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: quietBundlerLogger,
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as object), [handling]: without } } }),
  });
  return { code };
}

/** Whether the history replays on this workflow code. */
export async function replays(workflowBundle: { code: string } | { codePath: string }, history: History): Promise<boolean> {
  try {
    await Worker.runReplayHistory({ workflowBundle, replayName: 'chatmem-replay-check' }, history);
    return true;
  } catch {
    return false;
  }
}

const noop = () => undefined;
/** The workflow bundler's logger for tests: its warnings and errors, not its progress. */
export const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
