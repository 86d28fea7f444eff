import type { Stack } from './stack.js';

/** What a fault run did to the messages it sent: the figures every fault test prints and asserts. */
export interface FaultReport {
  sent: number;
  stored: number;
  answered: number;
  /** Replies WAHA got beyond the first for a message. */
  sentTwice: number;
  unanswered: number;
  /** Messages or replies stored more than once. */
  duplicateRows: number;
  /** Replies to the bot's own words: an echo loop. */
  echoAnswered: number;
}

/** Counts, from the database and the WAHA stand-in, what became of messages with these bodies (WhatsApp ids starting `waIdPrefix`). */
export async function faultReport(stack: Stack, bodies: string[], options: { waIdPrefix: string }): Promise<FaultReport> {
  const replies = bodies.map((body) => stack.repliesTo(body).length);
  const { stored, distinct } = (await stack.rows<{ stored: number; distinct: number }>(
    "SELECT count(*)::int AS stored, count(DISTINCT wa_id)::int AS distinct FROM messages WHERE role = 'user' AND wa_id LIKE $1",
    [`${options.waIdPrefix}%`],
  ))[0]!;
  const { doubled } = (await stack.rows<{ doubled: number }>(
    `SELECT coalesce(sum(n - 1), 0)::int AS doubled FROM (
       SELECT count(*) AS n FROM messages WHERE role = 'assistant' AND in_reply_to IS NOT NULL GROUP BY in_reply_to
     ) per_message WHERE n > 1`,
  ))[0]!;
  return {
    sent: bodies.length,
    stored: distinct,
    answered: replies.filter((count) => count > 0).length,
    sentTwice: replies.reduce((sum, count) => sum + Math.max(0, count - 1), 0),
    unanswered: replies.filter((count) => count === 0).length,
    duplicateRows: stored - distinct + doubled,
    echoAnswered: stack.waha.sent.filter((call) => call.text.startsWith('Re: Re: ')).length,
  };
}

/**
 * The end of a fault run: waits (up to `timeoutMs`) for every message to be answered, then 3 s
 * more for anything still on its way to be sent twice, and prints the report with the drain
 * time counted from `since`.
 */
export async function drainAndReport(stack: Stack, bodies: string[], options: { waIdPrefix: string; title: string; since: number; timeoutMs?: number }) {
  const answered = async () => (await faultReport(stack, bodies, options)).unanswered === 0;
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (!(await answered()) && Date.now() < deadline) await pause(250);
  const drainMs = Date.now() - options.since;
  await pause(3_000);
  const report = await faultReport(stack, bodies, options);
  printFaultReport(options.title, { ...report, drainMs });
  return report;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One line per figure, so a run's outcome reads at a glance in the test output. */
export function printFaultReport(title: string, report: FaultReport & { drainMs: number }): void {
  const rows = Object.entries(report).map(([name, value]) => `  ${name.padEnd(14)} ${name === 'drainMs' ? `${(value / 1000).toFixed(1)} s` : value}`);
  console.log([`fault run: ${title}`, ...rows].join('\n'));
}
