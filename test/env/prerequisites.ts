import { execFileSync } from 'node:child_process';
import { TestEnvError } from './errors.ts';

/** How to get each tool the environment needs, for the message when one is missing. */
const INSTALL_HINTS = {
  go: 'Go 1.26 or newer: https://go.dev/doc/install (Debian: apt-get install golang-1.26)',
  python3: 'Python 3.10 or newer with venv: apt-get install python3 python3-venv',
  openssl: 'OpenSSL: apt-get install openssl',
  setpriv: 'util-linux (setpriv): apt-get install util-linux',
  buildah: "Debian's buildah (builds the image from the Dockerfile): apt-get install buildah",
  debootstrap: 'debootstrap (makes the local node:24-slim base): apt-get install debootstrap',
  runc: 'runc (the OCI runtime of buildah and the real node): apt-get install runc',
  promtool: "Prometheus's promtool (checks and tests the alert rules): apt-get install prometheus",
  prometheus: 'Prometheus (scrapes the operator in the dashboard test): apt-get install prometheus',
} as const;

/** Tool names a tool the test environment runs from PATH. */
export type Tool = keyof typeof INSTALL_HINTS;

/** requireTools fails, naming every missing tool and how to install it, before any work starts. */
export function requireTools(tools: readonly Tool[], env: NodeJS.ProcessEnv = process.env): void {
  const missing = tools.filter((tool) => !onPath(tool, env));
  if (missing.length > 0) {
    const lines = missing.map((tool) => `  - ${tool}: install ${INSTALL_HINTS[tool]}`);
    throw new TestEnvError(
      `the test environment needs tools that are not on PATH:\n${lines.join('\n')}`,
    );
  }
}

function onPath(tool: string, env: NodeJS.ProcessEnv): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { stdio: 'ignore', env });
    return true;
  } catch {
    return false;
  }
}
