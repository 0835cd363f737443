// The plugin's command line as a function: parse, connect, run one command, and turn a
// failure into kubectl's "error: ..." and an exit code. main.ts runs it on the process.
import { setTimeout as delay } from 'node:timers/promises';
import { parseCommandLine, UsageError, type Parsed } from './args.ts';
import { connect } from './client.ts';
import { logs, run, status, type Io } from './commands.ts';
import { PluginError } from './errors.ts';
import { USAGE } from './help.ts';

/** processIo is the process's output, clock and timers. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => new Date(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, signal === undefined ? {} : { signal });
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
  },
};

/** execute runs one parsed command line and returns the exit code. */
export async function execute({ connection, command }: Parsed, output: Io): Promise<number> {
  if (command.command === 'help') {
    output.out(USAGE);
    return 0;
  }
  const clients = connect(connection);
  switch (command.command) {
    case 'run':
      return run(clients, output, command);
    case 'status':
      return status(clients, output, {
        name: command.name,
        allNamespaces: connection.allNamespaces,
      });
    case 'logs':
      return logs(clients, output, command);
  }
}

/** runCli runs argv (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await execute(parseCommandLine(argv), io);
  } catch (error) {
    return exitCodeOf(error, io);
  }
}

// exitCodeOf prints a failure as kubectl does ("error: ...") and picks its exit code.
function exitCodeOf(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}\nSee 'kubectl awscheck --help' for usage.\n`);
    return 2;
  }
  io.err(`error: ${error instanceof PluginError ? error.message : String(error)}\n`);
  return 1;
}
