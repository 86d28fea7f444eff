import { patched } from '@temporalio/workflow';

/**
 * Every patch the current shape asks about. Runs begun with late-local-results ask them all as
 * they start: asked first by code that a late local activity result woke, a patch could read
 * differently on replay (where that code runs a task earlier, before sdk-core has seen the
 * marker the live run wrote).
 */
export const CURRENT_PATCHES = ['one-task-reply', 'debounce-by-sleep', 'media-as-text', 'message-changes', 'store-and-reply', 'answers-in-turn', 'reply-deadline', 'learning-after-a-pause', 'learning-carried-over', 'learning-pause-from-oldest'] as const;
export type CurrentPatch = (typeof CURRENT_PATCHES)[number];

/**
 * One marker for many. Each patch a run asks costs its history a marker and, as sdk-core always
 * adds one, a TemporalChangeVersion search-attribute update: twenty events for the ten patches
 * below, written by every new run as it starts. A run that has this patch has all of them
 * without asking each. This list never changes; a patch added later goes in CURRENT_PATCHES
 * only, and is asked on its own.
 */
const ALL_OF_2026_12_07 = 'all-patches-of-2026-12-07';
export const PATCHES_OF_2026_12_07: readonly CurrentPatch[] = ['one-task-reply', 'debounce-by-sleep', 'media-as-text', 'message-changes', 'store-and-reply', 'answers-in-turn', 'reply-deadline', 'learning-after-a-pause', 'learning-carried-over', 'learning-pause-from-oldest'];

/** Decided once, as the run starts; module state is the run's own (the SDK gives each workflow its own module cache). */
let allOf20261207 = false;

/** Asks the run's patches as it starts: runs begun with late local results first ask them all (one marker for most). */
export function askPatchesAtStart(upFront: boolean): void {
  allOf20261207 = upFront && patched(ALL_OF_2026_12_07);
  if (upFront) for (const patch of CURRENT_PATCHES) hasPatch(patch);
}

/** `patched(patch)`, for a run that has it at once or asks it alone. */
export function hasPatch(patch: CurrentPatch): boolean {
  return (allOf20261207 && PATCHES_OF_2026_12_07.includes(patch)) || patched(patch);
}
