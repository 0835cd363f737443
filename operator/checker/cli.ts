#!/usr/bin/env node
// The `checker` command: runs main with this process's arguments, streams and clock.
// Lines to stdout are batched (line-writer.ts); what is pending is written before exit.
import { lineWriter } from './line-writer.ts';
import { main } from './main.ts';

const stdout = lineWriter(
  (chunk) => process.stdout.write(chunk),
  (flush) => setImmediate(flush),
);
process.once('exit', stdout.flush);

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: stdout.line,
  stderr: (text) => process.stderr.write(text),
  now: () => new Date(),
});
stdout.flush();
