// kubectl-awscheck: the kubectl plugin's entry point. kubectl finds the executable on
// PATH and hands it the rest of the command line and its environment.
import { processIo, runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo);
