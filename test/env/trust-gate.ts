// Stand-in for AWS STS's trust-policy check on AssumeRole, as an HTTP proxy in front of an
// IAM-enforcing moto. moto 5.2.5 evaluates a role's trust policy only partly (see
// trust-policy.ts): it accepts an AssumeRole without the ExternalId the trust policy
// requires, lets StringLike and every other operator pass, and assumes roles that do not
// exist. This gate only ever refuses: every request goes to moto first, so signatures,
// keys and the caller's own IAM policies stay moto's to judge; when moto has issued role
// credentials, the gate reads the role's AssumeRolePolicyDocument and the caller's ARN
// from moto's IAM (with an admin key), evaluates the trust policy as AWS does, and on
// anything but Allow answers, instead of the credentials, AWS's AccessDenied in STS's
// exact wire shape (HTTP 403, text/xml ErrorResponse with Type Sender, and a request id).
// Where moto itself refused with AccessDenied (it does enforce StringEquals on an ExternalId
// that is sent), its answer stands and the gate records its own verdict beside it, so a
// test can tell which rule refused the request.
// A request it cannot evaluate (an unmodelled policy, a caller that is not an IAM user) is
// answered with HTTP 500 and the reason, never let through.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetAccessKeyLastUsedCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { evaluateTrustPolicy, type TrustDecision } from './trust-policy.ts';

/** AwsKeys are an access key pair. */
export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** GateDecision is what the gate decided for one AssumeRole that moto had granted. */
export interface GateDecision extends TrustDecision {
  readonly roleArn: string;
  readonly principalArn: string;
  readonly externalId: string | undefined;
  /** What moto answered: it granted the role, or refused it itself (its answer then stands). */
  readonly moto: MotoVerdict;
}

/** MotoVerdict is moto's own answer to an AssumeRole the gate evaluates. */
export type MotoVerdict = 'Granted' | 'AccessDenied';

// motoVerdict: the gate judges AssumeRoles that moto granted, and records its judgement of
// those moto refused with AccessDenied; any other answer (a bad key or signature) stands.
function motoVerdict(answer: Upstream): MotoVerdict | undefined {
  if (answer.status === 200) return 'Granted';
  const accessDenied = answer.status === 403 && answer.body.includes('<Code>AccessDenied</Code>');
  return accessDenied ? 'AccessDenied' : undefined;
}

/** TrustGate is a running gate; `url` is the AWS endpoint clients use instead of moto's. */
export interface TrustGate {
  readonly url: string;
  /** Every AssumeRole decision, oldest first. */
  readonly decisions: GateDecision[];
  close(): Promise<void>;
}

const CREDENTIAL = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * accessDenied is STS's answer to a refused AssumeRole, byte for byte in AWS's shape:
 * `User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role>`.
 */
export function accessDenied(
  principalArn: string,
  roleArn: string,
): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  const requestId = randomUUID();
  const message = `User: ${principalArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
  return {
    status: 403,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
      `  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n` +
      `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
      `  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
  };
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// forward sends the request to moto unchanged (the Host header too: it is signed).
async function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  const outgoing = request({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
  });
  outgoing.end(body);
  const [answer] = (await once(outgoing, 'response')) as [IncomingMessage];
  return { status: answer.statusCode ?? 502, headers: answer.headers, body: await readAll(answer) };
}

/** AssumeRoleCall is what the gate needs of an STS AssumeRole request. */
interface AssumeRoleCall {
  readonly accessKeyId: string;
  readonly roleArn: string;
  readonly sessionName: string | undefined;
  readonly externalId: string | undefined;
}

// assumeRoleCall picks an STS AssumeRole out of a query-protocol request, else undefined.
function assumeRoleCall(req: IncomingMessage, body: Buffer): AssumeRoleCall | undefined {
  const scope = CREDENTIAL.exec(req.headers.authorization ?? '');
  if (scope?.[2] !== 'sts') return undefined;
  const form = new URLSearchParams(body.toString('utf8'));
  const query = new URL(req.url ?? '/', 'http://gate').searchParams;
  const param = (name: string): string | undefined =>
    form.get(name) ?? query.get(name) ?? undefined;
  const roleArn = param('RoleArn');
  if (param('Action') !== 'AssumeRole' || roleArn === undefined) return undefined;
  return {
    accessKeyId: scope[1] ?? '',
    roleArn,
    sessionName: param('RoleSessionName'),
    externalId: param('ExternalId'),
  };
}

// policyJson: IAM returns the document URL-encoded (AWS does; moto may not).
function policyJson(document: string): unknown {
  const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
  return JSON.parse(text);
}

async function callerArn(iam: IAMClient, accessKeyId: string): Promise<string> {
  const used = await iam
    .send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))
    .catch((error: unknown) => {
      throw new Error(
        `the caller's key ${accessKeyId} is no IAM user's key (${String(error)}); the gate evaluates IAM-user callers only`,
      );
    });
  const user = await iam.send(new GetUserCommand({ UserName: used.UserName }));
  const arn = user.User?.Arn;
  if (arn === undefined) throw new Error(`moto's IAM has no ARN for ${used.UserName}`);
  return arn;
}

// trustDocument is the role's trust policy, or undefined when the role does not exist.
async function trustDocument(iam: IAMClient, roleArn: string): Promise<unknown> {
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: name }));
    if (role.Role?.Arn !== roleArn) return undefined;
    return policyJson(role.Role.AssumeRolePolicyDocument ?? '{}');
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

async function decide(iam: IAMClient, call: AssumeRoleCall): Promise<Omit<GateDecision, 'moto'>> {
  const principalArn = await callerArn(iam, call.accessKeyId);
  const base = { roleArn: call.roleArn, principalArn, externalId: call.externalId };
  const document = await trustDocument(iam, call.roleArn);
  if (document === undefined) {
    return { ...base, effect: 'ImplicitDeny', reason: `role ${call.roleArn} does not exist` };
  }
  const decision = evaluateTrustPolicy(document, {
    action: 'sts:AssumeRole',
    principalArn,
    context: {
      'sts:ExternalId': call.externalId,
      'sts:RoleSessionName': call.sessionName,
      'aws:PrincipalArn': principalArn,
      'aws:PrincipalAccount': principalArn.split(':')[4],
    },
  });
  return { ...base, ...decision };
}

function send(res: ServerResponse, answer: Omit<Upstream, 'headers'> & { headers: object }): void {
  const headers = { ...answer.headers } as Record<string, string | string[] | undefined>;
  delete headers['transfer-encoding'];
  delete headers['content-length'];
  res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
  res.end(answer.body);
}

/**
 * startTrustGate listens on a free loopback port in front of `upstream` (an IAM-enforcing
 * moto) and reads IAM there with `admin`, a key whose policy allows iam:Get*.
 */
export async function startTrustGate(upstream: string, admin: AwsKeys): Promise<TrustGate> {
  const target = new URL(upstream);
  const iam = new IAMClient({ endpoint: upstream, region: 'us-east-1', credentials: admin });
  const decisions: GateDecision[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readAll(req);
    const answer = await forward(target, req, body);
    const call = assumeRoleCall(req, body);
    const verdict = call === undefined ? undefined : motoVerdict(answer);
    if (call === undefined || verdict === undefined) {
      send(res, answer);
      return;
    }
    const decision = { ...(await decide(iam, call)), moto: verdict };
    decisions.push(decision);
    if (verdict === 'AccessDenied' || decision.effect === 'Allow') {
      send(res, answer);
      return;
    }
    const denied = accessDenied(decision.principalArn, call.roleArn);
    send(res, { ...denied, body: Buffer.from(denied.body) });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = `trust gate cannot evaluate this request: ${error instanceof Error ? error.message : String(error)}\n`;
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(message);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    decisions,
    close: async (): Promise<void> => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
