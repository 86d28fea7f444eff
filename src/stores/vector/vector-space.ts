/** What made the vectors of a store: the embedding model and the size of its vectors. */
export interface VectorSpace {
  model: string;
  dimensions: number;
}

/**
 * The store holds vectors of another model or size than the configuration asks for. Every
 * write would fail and every search compare unlike things, so chatmem does not start.
 */
export class VectorSpaceMismatch extends Error {
  constructor(where: string, found: { model: string | null; dimensions: number }, configured: VectorSpace) {
    const holds = `${found.dimensions}-dimension vectors${found.model ? ` of ${found.model}` : ''}`;
    super(
      `long-term memory in ${where} holds ${holds}, but EMBEDDING_MODEL=${configured.model} with EMBEDDING_DIMENSIONS=${configured.dimensions} is configured; ` +
        'set EMBEDDING_PROVIDER, EMBEDDING_MODEL and EMBEDDING_DIMENSIONS back to what made the vectors, or start from an empty vector store (move that data away)',
    );
    this.name = 'VectorSpaceMismatch';
  }
}
