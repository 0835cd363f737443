// The registry, the shipped IAM policy and the README must agree with the modules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAllServices } from './registry.ts';
import { SERVICE_NAMES } from './service-names.ts';

const here = import.meta.dirname;
const policy = JSON.parse(readFileSync(join(here, 'iam-policy.json'), 'utf8')) as {
  Statement: { Effect: string; Action: string[]; Resource: string }[];
};
const readme = readFileSync(join(here, 'README.md'), 'utf8');
const SERVICES = await loadAllServices();

const declared = (name: keyof typeof SERVICES): string[] => {
  const { health_check, resource_list } = SERVICES[name].iamActions;
  return [...new Set([...health_check, ...resource_list])];
};

describe('registry', () => {
  it('registers every service under its own name', () => {
    for (const name of SERVICE_NAMES) expect(SERVICES[name].name).toBe(name);
    expect(Object.keys(SERVICES).sort()).toEqual([...SERVICE_NAMES].sort());
  });

  it('declares IAM actions for every check type of every service', () => {
    for (const name of SERVICE_NAMES) {
      expect(SERVICES[name].iamActions.health_check.length, name).toBeGreaterThan(0);
      expect(SERVICES[name].iamActions.resource_list.length, name).toBeGreaterThan(0);
    }
  });
});

describe('iam-policy.json', () => {
  it('grants exactly the actions the modules declare, read-only and without wildcards', () => {
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    const modules = SERVICE_NAMES.flatMap((name) => declared(name));

    expect([...actions].sort()).toEqual([...new Set(modules)].sort());
    expect(new Set(actions).size).toBe(actions.length);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:(Get|List|Describe|GET)\w*$/);
    expect(policy.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
  });
});

describe('README.md', () => {
  it.each(SERVICE_NAMES)('has a row for %s with its health rule and every IAM action', (name) => {
    const row = readme.split('\n').find((line) => new RegExp(`^\\| ${name} +\\|`).test(line));

    expect(row, `README row for ${name}`).toBeDefined();
    expect(row).toContain(SERVICES[name].healthRule);
    for (const action of declared(name)) expect(row).toContain(`\`${action}\``);
  });
});
