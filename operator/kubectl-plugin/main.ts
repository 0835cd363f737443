// kubectl-awscheck: the kubectl plugin's entry point. kubectl finds the executable on
// PATH and hands it the rest of the command line and its environment.
import { parseCommandLine, UsageError, type Parsed } from './args.ts';
import { connect } from './client.ts';
import { logs, run, status, type Io } from './commands.ts';
import { PluginError } from './errors.ts';
import { USAGE } from './help.ts';

const io: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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

// exitCodeOf prints a failure as kubectl does ("error: ...") and picks its exit code.
function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}\nSee 'kubectl awscheck --help' for usage.\n`);
    return 2;
  }
  io.err(`error: ${error instanceof PluginError ? error.message : String(error)}\n`);
  return 1;
}

try {
  process.exitCode = await execute(parseCommandLine(process.argv.slice(2)), io);
} catch (error) {
  process.exitCode = exitCodeOf(error);
}
