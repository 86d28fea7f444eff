import type { Embedder } from '../clients/embedder.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { LongTermMemory } from '../stores/vector/long-term-memory.js';

/** The activities embed; long-term memory only stores and searches vectors. */
export interface EmbeddingDeps {
  embedder: Embedder;
  ltm: LongTermMemory;
}

/** User messages into long-term memory: those with text, in one embeddings call and one write. */
export async function rememberMessages({ embedder, ltm }: EmbeddingDeps, messages: InboundMessage[]): Promise<void> {
  const withText = messages.filter((message): message is InboundMessage & { body: string } => !!message.body);
  if (withText.length === 0) return;
  const vectors = await embedder.embed(withText.map((message) => message.body));
  await ltm.remember(withText.map((message, index) => ({ message, vector: vectors[index]! })));
}

/** The vector of one text, e.g. the question a reply recalls memories for. */
export async function embedText(embedder: Embedder, text: string): Promise<number[]> {
  const [vector] = await embedder.embed([text]);
  return vector!;
}
