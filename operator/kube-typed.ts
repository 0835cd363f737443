// client-node's generated clients over the operator's connection pool and request policy
// (runtime/http-pool.ts): for the portal, the kubectl plugin and tests, which use many
// kinds of request. The operator itself uses kube.ts, which loads none of this.
import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type KubeConfig,
  type KubernetesObject,
  type Middleware,
  type RequestContext,
} from '@kubernetes/client-node';
import type { Response } from 'undici';
import { clientPolicies, USER_AGENT, type ClientOptions } from './kube.ts';
import {
  KubeTransport,
  sendWithPolicy,
  type FetchInit,
  type RequestPolicy,
} from './runtime/http-pool.ts';

/** TypedClients are client-node's API clients of one identity, on one pool. */
export interface TypedClients {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly objects: KubernetesObjectApi;
  readonly transport: KubeTransport;
}

/**
 * makeTypedClients builds client-node's clients from a loaded kubeconfig, all on one
 * connection pool, under the same options and policy as the operator's (kube.ts).
 */
export function makeTypedClients(config: KubeConfig, options: ClientOptions = {}): TypedClients {
  const transport = new KubeTransport(config, {
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
  const { limited, unlimited } = clientPolicies(options);
  const configuration = clientConfiguration(transport, limited, options);
  return {
    config,
    core: new CoreV1Api(configuration),
    batch: new BatchV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    coordination: new CoordinationV1Api(clientConfiguration(transport, unlimited, options)),
    objects: new ObjectApi(config, configuration),
    transport,
  };
}

// clientConfiguration is what KubeConfig.makeApiClient builds (the current cluster, the
// kubeconfig's credentials), over our pool and policy, with our user agent and the request
// timeout. The timeout starts before the rate limit's wait, so it bounds the whole request.
function clientConfiguration(
  transport: KubeTransport,
  policy: RequestPolicy,
  options: ClientOptions,
): Configuration {
  const promiseMiddleware: Middleware[] = [
    {
      pre: async (context) => {
        context.setHeaderParam('User-Agent', USER_AGENT);
        const timeoutMs = options.requestTimeoutMs;
        if (timeoutMs !== undefined) context.setSignal(AbortSignal.timeout(timeoutMs));
        return Promise.resolve(context);
      },
      post: async (response) => Promise.resolve(response),
    },
  ];
  return createConfiguration({
    baseServer: new ServerConfiguration(transport.server, {}),
    // Nothing to apply: every request goes through the transport, which adds the
    // credentials once (applying them here too would run a token plugin twice).
    authMethods: {
      default: {
        getName: () => 'awscheck pooled kubeconfig authentication',
        applySecurityAuthentication: async () => Promise.resolve(),
      },
    },
    httpApi: pooledHttpLibrary(transport, policy),
    promiseMiddleware,
  });
}

/** pooledHttpLibrary sends client-node's requests over the transport, under the policy. */
export function pooledHttpLibrary(transport: KubeTransport, policy: RequestPolicy): HttpLibrary {
  return wrapHttpLibrary({
    send: async (request: RequestContext): Promise<ResponseContext> =>
      responseContext(
        await sendWithPolicy(transport, policy, request.getUrl(), requestInit(request)),
      ),
  });
}

// requestInit is client-node's request as the transport sends it; its clients send JSON text.
function requestInit(request: RequestContext): FetchInit {
  const body = request.getBody();
  const signal = request.getSignal();
  if (body !== undefined && typeof body !== 'string' && !(body instanceof URLSearchParams)) {
    throw new Error(`multipart request bodies are not supported (${request.getUrl()})`);
  }
  return {
    method: request.getHttpMethod(),
    headers: request.getHeaders(),
    ...(body === undefined ? {} : { body }),
    ...(signal === undefined ? {} : { signal }),
  };
}

// responseContext is client-node's view of a fetch answer, as its own fetch library builds it.
function responseContext(response: Response): ResponseContext {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return new ResponseContext(response.status, headers, {
    text: async () => response.text(),
    binary: async () => Buffer.from(await response.arrayBuffer()),
    stream: () => response.body as ReadableStream<Uint8Array> | null,
  });
}

// ObjectApi is client-node's generic object client on our configuration, with the
// kubeconfig's namespace as default, as KubernetesObjectApi.makeApiClient sets it.
class ObjectApi extends KubernetesObjectApi {
  constructor(kubeConfig: KubeConfig, configuration: Configuration) {
    super(configuration);
    this.setDefaultNamespace(kubeConfig);
  }
}

/** apply writes any object by server-side apply under a field manager. */
export async function apply<T extends KubernetesObject>(
  clients: TypedClients,
  object: T,
  fieldManager: string,
): Promise<T> {
  return clients.objects.patch(
    object,
    undefined,
    undefined,
    fieldManager,
    true,
    PatchStrategy.ServerSideApply,
  );
}
