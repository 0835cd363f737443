// The plugin's errors as a person reads them: what went wrong and what to do, in kubectl's
// words where kubectl has some ("Error from server (NotFound)").
import { ApiException } from '@kubernetes/client-node';

/** PluginError is a failure the plugin explains itself; main prints its message (exit 1). */
export class PluginError extends Error {
  override readonly name = 'PluginError';
}

/** Target names what a request was about, for the error message. */
export interface Target {
  readonly resource: string;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly verb: string;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'Invalid',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/**
 * explainApiError turns an apiserver refusal into a PluginError that names the object and
 * says what to do; anything that is not an apiserver answer is returned as it is.
 */
export function explainApiError(error: unknown, target: Target): unknown {
  if (!(error instanceof ApiException)) return error;
  const code = error.code;
  const where = target.namespace === undefined ? '' : ` in namespace "${target.namespace}"`;
  const what = target.name === undefined ? target.resource : `${target.resource} "${target.name}"`;
  if (code === 404 && target.resource === 'awscheck') {
    return new PluginError(
      `${what} not found${where}: list them with kubectl awscheck status${target.namespace === undefined ? '' : ` -n ${target.namespace}`}`,
    );
  }
  if (code === 403) {
    return new PluginError(
      `Error from server (Forbidden): you may not ${target.verb} ${what}${where}: ${serverMessage(error)}. Ask for a Role that allows it, or use --context/--kubeconfig for an identity that has one.`,
    );
  }
  return new PluginError(
    `Error from server (${REASONS[code] ?? `HTTP ${String(code)}`}): ${serverMessage(error)}`,
  );
}

// serverMessage is the Status message the apiserver sent, else the raw body.
function serverMessage(error: ApiException<unknown>): string {
  const body: unknown = error.body;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // Not a Status object: the body is the message.
  }
  return text;
}
