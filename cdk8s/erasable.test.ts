import { describe, expect, it } from 'vitest';
import { erasable, type RuntimeExports } from './erasable.ts';

const exportsOf: RuntimeExports = (module) =>
  Promise.resolve(new Set(module === 'cdk8s' ? ['ApiObject'] : ['Construct']));

describe('erasable', () => {
  it('writes a string enum as a const object, with its comments, and a type of its values', async () => {
    const code = [
      '/** The service. */',
      'export enum Service {',
      '  /** ec2 */',
      '  EC2 = "ec2",',
      '  COGNITO_HYPHEN_IDP = "cognito-idp",',
      '}',
    ].join('\n');

    expect(await erasable(code, exportsOf)).toBe(
      [
        '/** The service. */',
        'export const Service = {',
        '  /** ec2 */',
        '  EC2: "ec2",',
        '  COGNITO_HYPHEN_IDP: "cognito-idp",',
        '} as const;',
        '/** Service is one of the values of the const Service. */',
        'export type Service = (typeof Service)[keyof typeof Service];',
      ].join('\n'),
    );
  });

  it('imports a name that only exists as a type with `type`', async () => {
    const code = [
      "import { ApiObject, ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';",
      "import { Construct } from 'constructs';",
    ].join('\n');

    expect(await erasable(code, exportsOf)).toBe(
      [
        "import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';",
        "import { Construct } from 'constructs';",
      ].join('\n'),
    );
  });

  it('leaves code without enums or type imports as it is', async () => {
    const code = 'export interface A {\n  readonly a?: string;\n}\nexport function f(): void {}\n';

    expect(await erasable(code, exportsOf)).toBe(code);
  });

  it.each([
    [
      'a numeric enum',
      'export enum Level { LOW = 1 }',
      'enum Level member LOW has no string value',
    ],
    ['an enum not exported', 'enum Kind { A = "a" }', 'enum Kind is not exported'],
    ['a namespace', 'export namespace N { export const a = 1; }', 'namespace N cannot be erased'],
  ])('refuses %s, naming it', async (_, code, problem) => {
    await expect(erasable(code, exportsOf)).rejects.toThrow(problem);
  });

  it('finds the runtime exports of a real package', async () => {
    const code = "import { ApiObject, ApiObjectMetadata } from 'cdk8s';";

    expect(await erasable(code)).toBe("import { ApiObject, type ApiObjectMetadata } from 'cdk8s';");
  });
});
