/** One workflow per WAHA session + chat: the id every delivery for that chat signals. */
export function chatWorkflowId(session: string, chatId: string): string {
  return `chat:${session}:${chatId}`;
}
