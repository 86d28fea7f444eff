import type { ChatStateView, LearningFailure, Rejection, UnansweredLine } from './chat-state.js';
import type { InboundMessage } from './inbound-message.js';

/** The one-line name the Temporal Web UI shows for a chat's workflow. */
export function chatTitle(message: InboundMessage): string {
  if (message.isGroupChat) return `WhatsApp group ${message.chatId}`;
  const name = message.fromMe ? null : message.senderName;
  return name ? `${name} (${message.chatId})` : `WhatsApp chat ${message.chatId}`;
}

/** The chat's current details for the Web UI (Markdown), kept up to date as messages are handled: what it knows of each person too. */
export function chatDetails(view: ChatStateView, knowledge: Record<string, string[]> = {}): string {
  return [
    `**Last interaction:** ${view.lastInteractionAt ?? 'none yet'}`,
    `**Messages:** ${view.messagesSeen} seen, ${view.repliesSent} replies, ${view.replyFailures} failed, ${view.duplicatesDropped} echoes and redeliveries dropped`,
    `**Tokens since the last summary:** ${view.tokensSinceSummary} (summaries made: ${view.summaries})`,
    `**Bot:** ${view.pausedUntil ? `paused for a human until ${view.pausedUntil}` : 'answering'}`,
    ...(view.waiting ? [`**Waiting for a reply:** ${waitingLine(view.waiting)}`] : []),
    ...(view.unanswered ? [`**Unanswered:** ${view.unanswered} (\`chatmem retry\` answers them); last: ${unansweredLine(view.lastUnanswered)}`] : []),
    ...(view.retrying ? [`**Answering again:** ${view.retrying} messages an operator retried`] : []),
    ...(view.rejected ? [`**Rejected by the database:** ${view.rejected} (not stored, not answered); last: ${rejectionLine(view.lastRejection)}`] : []),
    ...(view.learningBacklog ? [`**Learning:** ${view.learningBacklog} messages waiting for long-term memory and facts`] : []),
    ...(view.learningFailures ? [`**Not learned from:** ${view.learningFailures} (kept in short-term memory only); last: ${learningFailureLine(view.lastLearningFailure)}`] : []),
    ...knowledgeLines(knowledge),
    `**Summary:** ${view.summaryExcerpt ?? 'none yet'}`,
  ].join('\n\n');
}

/** Facts shown at most, so the details stay small. */
const FACTS_SHOWN = 40;

function knowledgeLines(knowledge: Record<string, string[]>): string[] {
  const people = Object.entries(knowledge).filter(([, facts]) => facts.length);
  if (!people.length) return [];
  const shown = people.map(([person, facts]) => (people.length === 1 ? facts : facts.map((fact) => `${person.split('@')[0]} ${fact}`))).flat();
  const more = shown.length > FACTS_SHOWN ? ` (and ${shown.length - FACTS_SHOWN} more: \`chatmem inspect\`)` : '';
  return [`**Knows:** ${shown.slice(0, FACTS_SHOWN).join('; ')}${more}`];
}

/** One line for the reply being tried now: how many messages, since when. */
export function waitingLine(waiting: NonNullable<ChatStateView['waiting']>): string {
  return `${waiting.messages} message(s) since ${waiting.since} (the model or WAHA failing${waiting.failure ? `: ${waiting.failure}` : ''}; retried until REPLY_DEADLINE)`;
}

/** One line for the latest message given up on: which, when, why. */
export function unansweredLine(line: UnansweredLine | null): string {
  return line ? `${line.messageId} at ${line.at}: ${line.reason}` : 'unknown';
}

/** One line for the latest rejected message: which, when, why. */
export function rejectionLine(rejection: Rejection | null): string {
  return rejection ? `${rejection.messageId} at ${rejection.at}: ${rejection.reason}` : 'unknown';
}

/** One line for the latest message background learning gave up on: which step, which message, why. */
export function learningFailureLine(failure: LearningFailure | null): string {
  return failure ? `${failure.activity} of ${failure.messageId}: ${failure.reason}` : 'unknown';
}
