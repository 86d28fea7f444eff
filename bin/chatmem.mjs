#!/usr/bin/env node
// The `chatmem` operator CLI (see src/cli/chatmem.ts), run through tsx like the rest of chatmem.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/cli/chatmem.ts', import.meta.url));
const { status } = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), entry, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
