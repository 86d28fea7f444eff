#!/usr/bin/env node
// The `chatmem` operator CLI (see src/cli/chatmem.ts): compiled (dist/) where the source is not
// there, as in the production image; otherwise from the source through tsx, as in a checkout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/chatmem.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/cli/chatmem.js', import.meta.url));
const args = existsSync(source) ? ['--import', import.meta.resolve('tsx'), source] : [compiled];
const { status } = spawnSync(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
