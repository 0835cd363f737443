import { describe, expect, it } from 'vitest';
import { TestEnvError } from './errors.ts';
import { requireTools } from './prerequisites.ts';

describe('requireTools', () => {
  it('names every missing tool with how to install it', () => {
    const emptyPath = { PATH: '/nonexistent' };

    const check = (): void => {
      requireTools(['go', 'python3'], emptyPath);
    };

    expect(check).toThrow(TestEnvError);
    expect(check).toThrow(/- go: install Go 1\.26 or newer[\s\S]*- python3: install Python 3\.10/);
  });

  it('passes when every tool is on PATH', () => {
    expect(() => {
      requireTools(['openssl']);
    }).not.toThrow();
  });
});
