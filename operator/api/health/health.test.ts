import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ARGO_HEALTH_SCRIPTS, type ArgoHealthScript } from './argocd.ts';
import { FLUX_HEALTH_CHECKS, type HealthCheckExprs } from './flux.ts';
import { ARGOCD_SNIPPET, FLUX_SNIPPET, healthFiles } from './generated.ts';
import { HEALTH_CASES } from './testing/fixtures.ts';
import { evaluate, judgeWithFlux } from './testing/flux-evaluator.ts';
import { runHealthScript } from './testing/lua-vm.ts';

const ROOT = join(import.meta.dirname, '../../..');

function argoScript(kind: string): ArgoHealthScript {
  const script = ARGO_HEALTH_SCRIPTS.find((s) => s.kind === kind);
  if (script === undefined) throw new Error(`no Argo CD script for ${kind}`);
  return script;
}

function fluxExprs(kind: string): HealthCheckExprs {
  const exprs = FLUX_HEALTH_CHECKS.find((e) => e.kind === kind);
  if (exprs === undefined) throw new Error(`no healthCheckExprs for ${kind}`);
  return exprs;
}

describe('Argo CD health scripts (Lua)', () => {
  it.each(HEALTH_CASES)('$name: $argo', ({ object, argo, argoMessage }) => {
    const health = runHealthScript(argoScript(object.kind).script, object);

    expect(health.status).toBe(argo);
    expect(health.message).toContain(argoMessage);
  });

  it('the VM reports a script that fails or returns no table', () => {
    expect(() => runHealthScript('return 1', {})).toThrow('no table');
    expect(() => runHealthScript('return obj.status.conditions[1]', {})).toThrow('failed');
  });

  it('the VM opens what Argo CD opens: no string or math library', () => {
    expect(() => runHealthScript('return { status = string.format("%d", 1) }', {})).toThrow(
      'failed',
    );
  });

  // Argo CD runs gopher-lua (Lua 5.1); the tests run Lua 5.3. Nothing newer than 5.1 and
  // no library Argo CD leaves closed may appear, so both run the same program.
  it.each(ARGO_HEALTH_SCRIPTS)('$source keeps to Lua 5.1 with base and table', ({ script }) => {
    const code = script.replace(/--.*$/gm, '').replace(/"[^"\n]*"/g, '""');
    const newer = [/\bgoto\b/, /::/, /\/\//, /[&|]|~(?!=)|<<|>>/, /\butf8\./, /\btable\.unpack\b/];
    for (const pattern of [...newer, /\b(string|math|io|os|debug)\./]) {
      expect(code).not.toMatch(pattern);
    }
  });
});

describe('Flux healthCheckExprs (CEL)', () => {
  it.each(HEALTH_CASES)('$name: $flux', ({ object, flux }) => {
    expect(judgeWithFlux(fluxExprs(object.kind), object)).toBe(flux);
  });

  // Flux evaluates all three only until one is true; here each one runs on every sample,
  // so an expression that errors or is no bool on any of them fails.
  it.each(HEALTH_CASES.filter((c) => 'status' in c.object))(
    'every expression is a bool on $name',
    ({ object }) => {
      const exprs = fluxExprs(object.kind);
      for (const expression of [exprs.inProgress, exprs.failed, exprs.current]) {
        expect(typeof evaluate(expression, object), expression).toBe('boolean');
      }
    },
  );

  it('evaluate throws where Flux cannot evaluate, and gives non-bools as they are', () => {
    const object = { metadata: { generation: 1 }, status: {} };

    expect(() => evaluate('status.conditions.exists(c, true)', object)).toThrow();
    expect(evaluate('metadata.generation', object)).toBe(1n);
  });
});

describe('the table', () => {
  it('covers every outcome of both tools for both kinds', () => {
    const seen = (kind: string, pick: (c: (typeof HEALTH_CASES)[number]) => string): Set<string> =>
      new Set(HEALTH_CASES.filter((c) => c.object.kind === kind).map(pick));

    expect(seen('AwsCheck', (c) => c.argo)).toEqual(
      new Set(['Healthy', 'Progressing', 'Degraded', 'Suspended']),
    );
    expect(seen('AwsCheck', (c) => c.flux)).toEqual(
      new Set(['Current', 'InProgress', 'Failed', 'Unknown']),
    );
    expect(seen('AwsCredentialRef', (c) => c.argo)).toEqual(
      new Set(['Healthy', 'Progressing', 'Degraded']),
    );
    expect(seen('AwsCredentialRef', (c) => c.flux)).toEqual(
      new Set(['Current', 'InProgress', 'Failed', 'Unknown']),
    );
  });
});

describe('GitOps snippets', () => {
  const onDisk = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

  it('are what the generator writes', () => {
    for (const [path, content] of healthFiles.files()) {
      expect(onDisk(path), `${path} is stale: run npm run generate`).toBe(content);
    }
  });

  it('argocd-cm embeds exactly the tested scripts', () => {
    const configMap = parse(onDisk(ARGOCD_SNIPPET)) as { data: Record<string, string> };

    expect(Object.keys(configMap.data)).toEqual(ARGO_HEALTH_SCRIPTS.map((s) => s.key));
    for (const { key, source } of ARGO_HEALTH_SCRIPTS) {
      expect(configMap.data[key]).toBe(onDisk(source));
    }
    expect(Object.keys(configMap.data)).toEqual([
      'resource.customizations.health.awscheck.io_AwsCheck',
      'resource.customizations.health.awscheck.io_AwsCredentialRef',
    ]);
  });

  it('the Kustomization embeds exactly the tested expressions', () => {
    const kustomization = parse(onDisk(FLUX_SNIPPET)) as {
      spec: { healthCheckExprs: HealthCheckExprs[] };
    };

    expect(kustomization.spec.healthCheckExprs).toEqual(FLUX_HEALTH_CHECKS);
  });
});
