import type { coresdk } from '@temporalio/proto';
import { condition, type ActivateInput } from '@temporalio/workflow';
import { getActivator } from '@temporalio/workflow/lib/global-attributes.js';

/**
 * Works around an sdk-core behaviour (Temporal TypeScript SDK 1.24, pinned) that made chats
 * queried while busy stop replaying.
 *
 * When a workflow task carries a query the server held back, sdk-core answers the query while
 * a local activity the task started still runs, completes the task at once and asks for
 * another. The activity's result reaches the workflow in that next task: beside the task's new
 * events (signals, timers, activity results) in one activation, or after them in one of its
 * own. If the result came in while the query was being answered, its marker went into the
 * first task, and a replay hands it over there, before those events; otherwise a replay hands
 * it over with them. The code after the activity must see the same in every case, so it
 * always runs before them:
 *
 * - a result due from an earlier task is handed over first, on its own; the other jobs wait;
 * - the jobs of an activation that does not bring a due result wait for it;
 * - a local activity scheduled by code a due result woke counts as scheduled where that result
 *   was (a replay may have run that code in the earlier task): its result is due too;
 * - what waits is applied once the code waits again and no result is due any more.
 *
 * Replays take the same path. An activity that outlasts its task is different: sdk-core then
 * completes the task 80% into its timeout, and the result comes after the next task's events,
 * live and replayed alike; it is told apart by the time between the two tasks. Left as is: the
 * code after a due result reads the clock of the task it runs in, which a replay may show
 * some milliseconds earlier, so a decision that turns on exactly those milliseconds (a
 * debounce window ending just then) could still differ; none did in the floods.
 */
export function deliverLateLocalResultsFirst(): LateLocalResults {
  const activator = getActivator();
  const heartbeatAfterMs = 0.8 * activator.info.taskTimeoutMs;
  /** Where each unanswered local activity counts as scheduled. */
  const scheduledIn = new Map<number, ActivationMoment>();
  let current: ActivationMoment = momentOf(activator);
  /** Set while code woken by a due result runs: where that result counts as scheduled. */
  let wokenFrom: ActivationMoment | null = null;
  /** Jobs that wait for the due results to be handed over. */
  let waiting: Job[] = [];

  activator.interceptors.outbound.push({
    scheduleLocalActivity(input, next) {
      scheduledIn.set(input.seq, wokenFrom ?? current);
      return next(input);
    },
  });

  activator.interceptors.internals.push({
    activate(input, next) {
      current = momentOf(activator);
      const jobs = (input.activation.jobs ?? []) as Job[];
      if (jobs.some((job) => job.queryWorkflow)) return next(input);
      const due = jobs.filter((job) => isDue(localSeq(job)));
      if (!due.length && !anyDue()) {
        const all = [...waiting, ...jobs];
        waiting = [];
        wokenFrom = null;
        forget(jobs);
        return next(withJobs(input, all));
      }
      waiting.push(...jobs.filter((job) => !due.includes(job)));
      if (!due.length) return next(withJobs(input, []));

      wokenFrom = scheduledIn.get(localSeq(due[0]!)!)!;
      forget(due);
      next(withJobs(input, due));
      // Checked once at once (false), then after the code the results woke has run and waits again.
      let checked = false;
      void condition(() => {
        if (!checked) return !(checked = true);
        release();
        return true;
      });
    },
  });

  /** Applies what waits, unless a result is still due. */
  function release(): void {
    if (anyDue()) return;
    const jobs = waiting;
    waiting = [];
    wokenFrom = null;
    forget(jobs);
    for (const job of jobs) apply(activator, job);
  }

  /** A result from an earlier task that sdk-core hands over in this one: that task ended early to answer a query. */
  function isDue(seq: number | undefined): boolean {
    const then = seq === undefined ? undefined : scheduledIn.get(seq);
    if (!then || current.historyLength <= then.historyLength) return false;
    return current.time - then.time < heartbeatAfterMs;
  }

  function anyDue(): boolean {
    return [...scheduledIn.keys()].some(isDue);
  }

  function forget(jobs: Job[]): void {
    for (const job of jobs) scheduledIn.delete(localSeq(job) ?? -1);
  }

  return {
    allApplied: () =>
      condition(() => {
        release();
        return waiting.length === 0;
      }),
  };
}

/** What the workflow waits for before it ends a run: nothing that reached it may be left unapplied. */
export interface LateLocalResults {
  allApplied(): Promise<void>;
}

function withJobs(input: ActivateInput, jobs: Job[]): ActivateInput {
  return { ...input, activation: { ...input.activation, jobs } };
}

/** The sequence number of a local activity this job hands a result to. */
function localSeq(job: Job): number | undefined {
  return job.resolveActivity?.isLocal ? (job.resolveActivity.seq ?? undefined) : undefined;
}

type Activator = ReturnType<typeof getActivator>;
type Job = coresdk.workflow_activation.WorkflowActivationJob;

/** Which activation: when, and how long the history was. */
interface ActivationMoment {
  time: number;
  historyLength: number;
}

function momentOf(activator: Activator): ActivationMoment {
  return { time: activator.now, historyLength: activator.info.historyLength };
}

/** A job applied as the SDK applies it (`activator[variant](attributes)`). */
function apply(activator: Activator, job: Job): void {
  const variant = job.variant;
  if (!variant) throw new TypeError('an activation job without a variant');
  (activator[variant as keyof Activator] as (attributes: unknown) => void).call(activator, job[variant]);
}
