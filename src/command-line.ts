import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: said in one line above the usage, exit code 2 (no message: `--help`, exit 0). */
export class UsageError extends Error {}

/** `parseArgs`, where an option the program does not know is a usage mistake like any other. */
export function readCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const option = /'(-[^']*)'/.exec(String(error))?.[1];
    throw new UsageError(option ? `unknown option: ${option}` : (error as Error).message);
  }
}

/** How a command-line program (the chatmem CLI, the simulator) ends on an error. */
export function exitWithReason(usage: string) {
  return (error: unknown): never => {
    if (error instanceof UsageError) {
      console.error(error.message ? `${error.message}\n\n${usage}` : usage);
      process.exit(error.message ? 2 : 0);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  };
}
