import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { explainApiError, PluginError } from './errors.ts';

function refusal(code: number, message: string): ApiException<string> {
  const body = JSON.stringify({ kind: 'Status', status: 'Failure', message, code });
  return new ApiException(code, `HTTP ${String(code)}`, body, {});
}

describe('explainApiError', () => {
  it('names a missing AwsCheck and how to list them', () => {
    const error = explainApiError(refusal(404, 'awschecks "web" not found'), {
      resource: 'awscheck',
      name: 'web',
      namespace: 'team-a',
      verb: 'get',
    });

    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toBe(
      'awscheck "web" not found in namespace "team-a": list them with kubectl awscheck status -n team-a',
    );
  });

  it('says what was forbidden, in the apiserver’s words, and what to do', () => {
    const error = explainApiError(refusal(403, 'User "bob" cannot list resource "awschecks"'), {
      resource: 'awschecks',
      namespace: 'team-a',
      verb: 'list',
    });

    expect((error as Error).message).toBe(
      'Error from server (Forbidden): you may not list awschecks in namespace "team-a": User "bob" cannot list resource "awschecks". Ask for a Role that allows it, or use --context/--kubeconfig for an identity that has one.',
    );
  });

  it('gives any other refusal in kubectl’s words', () => {
    const error = explainApiError(refusal(404, 'nodes "node-1" not found'), {
      resource: 'pods/log',
      name: 'web-1',
      namespace: 'team-a',
      verb: 'get',
    });

    expect((error as Error).message).toBe('Error from server (NotFound): nodes "node-1" not found');
  });

  it('leaves what is not an apiserver answer as it is', () => {
    const failure = new Error('connect ECONNREFUSED');

    expect(explainApiError(failure, { resource: 'awscheck', verb: 'get' })).toBe(failure);
  });
});
