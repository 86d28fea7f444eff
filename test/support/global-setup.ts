import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { resolveTemporalCli } from '../../src/embedded/temporal-cli.js';
import { WORKFLOWS_PATH } from '../../src/workflows/workflow-code.js';
import { quietBundlerLogger } from './histories.js';
import { ensurePostgresRunning } from './postgres.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCli: string;
    workflowBundlePath: string;
  }
}

/**
 * Once per run: the Temporal CLI (installed into .tools/ if missing), a running PostgreSQL,
 * and one workflow bundle that every test worker loads instead of bundling again.
 */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('temporalCli', resolveTemporalCli());

  await ensurePostgresRunning();

  mkdirSync(`${ROOT}.tmp`, { recursive: true });
  const bundlePath = `${ROOT}.tmp/workflow-bundle.js`;
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  await writeFile(bundlePath, code);
  project.provide('workflowBundlePath', bundlePath);
}
