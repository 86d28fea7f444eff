import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where the worker finds the workflow code. Not imported by the workflows themselves (it
 * reads the file system, which workflow code never does).
 */

/** The workflows' entry module as this copy of chatmem runs: `index.ts` from source, `index.js` once compiled. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`./index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** The workflow code `npm run build` bundles once (dist/workflow-bundle.js); never there beside the source. */
export const PREBUILT_WORKFLOW_BUNDLE = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** The prebuilt bundle when this copy has one: a worker then starts without bundling (webpack) at every start. */
export function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  return existsSync(PREBUILT_WORKFLOW_BUNDLE) ? { codePath: PREBUILT_WORKFLOW_BUNDLE } : undefined;
}
