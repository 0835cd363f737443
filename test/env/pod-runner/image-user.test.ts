import { describe, expect, it } from 'vitest';
import { readImageUser, imageUserOf } from './image-user.ts';
import { repoPath } from '../paths.ts';

describe('imageUserOf', () => {
  it('takes the uid of the last USER instruction', () => {
    expect(imageUserOf('FROM a AS build\nUSER 1000\nFROM b\nuser 65532:65532\n')).toBe(65532);
  });

  it('is root for an image without USER', () => {
    expect(imageUserOf('FROM scratch\nCOPY a /a\n')).toBe(0);
  });

  it('refuses a named user it cannot resolve', () => {
    expect(() => imageUserOf('FROM b\nUSER nonroot\n')).toThrow(/USER nonroot is not numeric/);
  });

  it('reads 65532 from the checker image’s Dockerfile', async () => {
    expect(await readImageUser(repoPath('Dockerfile'))).toBe(65532);
  });
});
