import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The bare environment of a fresh shell: no chatmem settings at all, plus `extra`. */
export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

/** A TypeScript entry point of the project run as `npm` runs it, with its output kept line by line. */
export function runEntry(entry: string, args: string[], env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: PROJECT_ROOT, env, stdio: 'pipe' });
  const lines: string[] = [];
  let partial = '';
  const take = (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    /** The first output line matching `pattern`, waiting for it up to `timeoutMs`. */
    async waitForLine(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of lines) {
          const match = line.match(pattern);
          if (match) return match;
        }
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no line matching ${pattern} from ${entry} (${child.exitCode === null ? 'timed out' : `exited ${child.exitCode}`}); output:\n${lines.join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** SIGINT (Ctrl-C), then the exit code; SIGKILL if it has not stopped within `timeoutMs`. */
    async interrupt(timeoutMs = 30_000): Promise<number | null> {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
