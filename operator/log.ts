import { pino, type Logger } from 'pino';

/** Logger is the operator's structured JSON logger. */
export type { Logger };

/**
 * createLogger makes the JSON logger. Objects are logged by namespace/name only: no
 * object body (which could hold a credential) is ever passed to it.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { component: 'awscheck-operator' } }, destination ?? process.stdout);
}

/** describe renders an error for a log line: its message, never a request body. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
