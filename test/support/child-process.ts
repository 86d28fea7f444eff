import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The bare environment of a fresh shell: no chatmem settings at all, plus `extra`. */
export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

/** A TypeScript entry point of the project, run through tsx as the npm scripts run it. */
export function runEntry(entry: string, args: string[], env: Record<string, string>) {
  return runCommand(process.execPath, ['--import', 'tsx', entry, ...args], env);
}

/**
 * A command in the project folder, in a process group of its own as a terminal would run
 * it, with its output kept line by line.
 */
export function runCommand(command: string, args: string[], env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: 'pipe', detached: true });
  const lines: string[] = [];
  let partial = '';
  const take = (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  // 'close', not 'exit': npm can end before the chatmem under it has written its last line;
  // the output pipe closes only when every process of the group holding it is gone.
  let closed = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      if (partial) lines.push(partial);
      closed = true;
      resolve(code);
    }),
  );
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
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
        if (closed || Date.now() > deadline) {
          throw new Error(`no line matching ${pattern} from ${[command, ...args].join(' ')} (${closed ? `exited ${child.exitCode}` : 'timed out'}); output:\n${lines.join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /**
     * Ctrl-C as a terminal sends it, to the whole process group; resolves with the exit code
     * (null when, like npm, it ends by the signal). SIGKILL if not stopped within `timeoutMs`.
     */
    async interrupt(timeoutMs = 30_000): Promise<number | null> {
      if (closed) return child.exitCode;
      signal('SIGINT');
      const timer = setTimeout(() => signal('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    /** SIGKILL to the whole process group, as when a machine's OOM killer or `kill -9` strikes. */
    async kill(): Promise<void> {
      signal('SIGKILL');
      await exited;
    },
  };
}
