#!/usr/bin/env node
// The `checker` command: runs main with this process's arguments, streams and clock.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (text) => process.stderr.write(text),
  now: () => new Date(),
});
