#!/usr/bin/env node
// The `checker` command of a checkout (package.json "bin"): runs cli.ts from source, so
// `npx checker` works from a fresh clone without a build. Node 24 strips TypeScript types
// natively; an older `node` on PATH hands over to the project's own Node 24 (the `node`
// dev dependency). The image runs the compiled dist/operator/checker/cli.js instead.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), 'cli.ts');

if (process.features.typescript) {
  await import(cli);
} else {
  const nodePackage = createRequire(import.meta.url).resolve('node/package.json');
  const node = join(dirname(nodePackage), 'bin', 'node');
  const child = spawnSync(node, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) {
    process.stderr.write(`checker: cannot start Node 24 at ${node}: ${child.error.message}\n`);
    process.exitCode = 1;
  } else {
    process.exitCode = child.status ?? 1;
  }
}
