// The operator's memory starts with the modules it loads: client-node's generated clients
// and KubeConfig (every API group's models and request factories, every auth plugin) cost
// about 85 MiB resident, and the operator uses none of them (kube.ts, runtime/kube-rest.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

// The modules operator/main.ts imports (it starts the operator when imported itself).
function mainImports(): string[] {
  const source = readFileSync(MAIN, 'utf8');
  return [...source.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)';$/gm)].map(
    ([, path = '']) => new URL(path, new URL('./main.ts', import.meta.url)).href,
  );
}

// loadedFiles imports the modules in a fresh Node and lists the client-node files resolved.
function loadedClientNodeFiles(modules: readonly string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const files = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        const at = resolved.url.indexOf('@kubernetes/client-node/dist/');
        if (at >= 0) files.add(resolved.url.slice(at + '@kubernetes/client-node/dist/'.length));
        return resolved;
      },
    });
    for (const module of ${JSON.stringify(modules)}) await import(module);
    console.log(JSON.stringify([...files].sort()));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe('the operator process', () => {
  it('loads none of client-node but its error class and MicroTime', () => {
    const modules = mainImports();
    expect(modules.length).toBeGreaterThanOrEqual(6);
    expect(loadedClientNodeFiles(modules)).toEqual(['gen/apis/exception.js', 'types.js']);
  });

  it('would see client-node loaded whole through its index', () => {
    expect(loadedClientNodeFiles(['@kubernetes/client-node']).length).toBeGreaterThan(500);
  });
});
