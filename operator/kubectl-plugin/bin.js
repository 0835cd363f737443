#!/usr/bin/env node
// kubectl-awscheck, the kubectl plugin (package.json "bin"): kubectl runs any executable
// named kubectl-awscheck on PATH for `kubectl awscheck ...`.
// - Installed from the package, it runs the compiled dist/operator/kubectl-plugin/main.js:
//   the package ships no TypeScript, and Node strips no types under node_modules.
// - In a checkout (main.ts beside this file, outside node_modules) it runs main.ts from
//   source, never a dist/ that may be stale. Node 24 strips the types natively; an older
//   `node` on PATH hands over to the project's own Node 24 (the `node` dev dependency), as
//   operator/checker/bin.js does.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import process from 'node:process';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The real path: kubectl and npm reach this file through a symlink named kubectl-awscheck.
const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
const source = join(here, 'main.ts');
const compiled = join(here, '..', '..', 'dist', 'operator', 'kubectl-plugin', 'main.js');
const inCheckout = existsSync(source) && !here.split(sep).includes('node_modules');

if (!inCheckout) {
  if (!existsSync(compiled)) {
    process.stderr.write(
      `kubectl-awscheck: ${compiled} is missing: the package was published without its build (npm run build)\n`,
    );
    process.exit(1);
  }
  await import(compiled);
} else if (process.features.typescript) {
  await import(source);
} else {
  const nodePackage = createRequire(import.meta.url).resolve('node/package.json');
  const node = join(dirname(nodePackage), 'bin', 'node');
  const child = spawnSync(node, [source, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) {
    process.stderr.write(
      `kubectl-awscheck: cannot start Node 24 at ${node}: ${child.error.message}\n`,
    );
    process.exitCode = 1;
  } else {
    process.exitCode = child.status ?? 1;
  }
}
