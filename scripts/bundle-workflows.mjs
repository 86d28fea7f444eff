// `npm run build`, second step: bundles the compiled workflow code once, so that a worker
// started from dist/ loads it instead of running webpack at every start.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const workflowsPath = fileURLToPath(new URL('../dist/workflows/index.js', import.meta.url));
const out = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));
const { code } = await bundleWorkflowCode({ workflowsPath });
await writeFile(out, code);
console.log(`bundled the workflow code into ${out} (${Math.round(code.length / 1024)} KiB)`);
