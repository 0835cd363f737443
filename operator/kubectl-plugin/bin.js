#!/usr/bin/env node
// kubectl-awscheck, the kubectl plugin (package.json "bin"): kubectl runs any executable
// named kubectl-awscheck on PATH for `kubectl awscheck ...`. It runs main.ts from source;
// Node 24 strips TypeScript types natively, and an older `node` on PATH hands over to the
// project's own Node 24 (the `node` dev dependency), as operator/checker/bin.js does.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';

// The real path: kubectl and npm reach this file through a symlink named kubectl-awscheck.
const main = join(dirname(realpathSync(fileURLToPath(import.meta.url))), 'main.ts');

if (process.features.typescript) {
  await import(main);
} else {
  const nodePackage = createRequire(import.meta.url).resolve('node/package.json');
  const node = join(dirname(nodePackage), 'bin', 'node');
  const child = spawnSync(node, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) {
    process.stderr.write(
      `kubectl-awscheck: cannot start Node 24 at ${node}: ${child.error.message}\n`,
    );
    process.exitCode = 1;
  } else {
    process.exitCode = child.status ?? 1;
  }
}
