// Network: VPCs, NAT gateways and site-to-site VPN connections. Healthy means: VPC
// available; NAT gateway available; VPN connection available with every tunnel UP.
import {
  DescribeVpnConnectionsCommand,
  EC2Client,
  paginateDescribeNatGateways,
  paginateDescribeVpcs,
  type NatGateway,
  type Vpc,
  type VpnConnection,
} from '@aws-sdk/client-ec2';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';
import { ec2TagFilters, tagsFromList } from '../tags.ts';

/** judgeVpc keeps the rule for VPCs: available. */
export function judgeVpc(vpc: Vpc): Health {
  const state = vpc.State ?? 'unknown';
  return judged(state, stateProblem('VPC', vpc.State, ['available']));
}

/** judgeNatGateway keeps the rule for NAT gateways: available, with AWS's failure when failed. */
export function judgeNatGateway(nat: NatGateway): Health {
  const state = nat.State ?? 'unknown';
  const failure = nat.FailureMessage ? [nat.FailureMessage] : [];
  return judged(state, [...stateProblem('NAT gateway', nat.State, ['available']), ...failure]);
}

/** judgeVpnConnection keeps the rule for VPN connections: available and every tunnel UP. */
export function judgeVpnConnection(vpn: VpnConnection): Health {
  const state = vpn.State ?? 'unknown';
  const down = (vpn.VgwTelemetry ?? [])
    .filter((tunnel) => tunnel.Status !== 'UP')
    .map((tunnel) =>
      `tunnel ${tunnel.OutsideIpAddress ?? '?'} is ${tunnel.Status ?? 'unknown'}: ${tunnel.StatusMessage ?? ''}`.trim(),
    );
  return judged(state, [...stateProblem('VPN connection', vpn.State, ['available']), ...down]);
}

function makeClient(context: ScanContext): EC2Client {
  const client = new EC2Client(clientConfig(context));
  classifyErrors(client.middlewareStack, 'ec2', context);
  return client;
}

async function* vpcs(context: ScanContext, client: EC2Client): AsyncIterable<Observed> {
  const Filters = ec2TagFilters(context.tags);
  const pages = paginateDescribeVpcs(
    { client, pageSize: 1000 },
    { Filters },
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const vpc of page.Vpcs ?? []) {
      const id = required(vpc.VpcId, 'ec2:DescribeVpcs', 'a VpcId');
      yield { id, tags: tagsFromList(vpc.Tags), health: judgeVpc(vpc) };
    }
  }
}

async function* natGateways(context: ScanContext, client: EC2Client): AsyncIterable<Observed> {
  // Deleted NAT gateways stay listed for a while; they are gone and not counted.
  const Filter = [
    { Name: 'state', Values: ['pending', 'failed', 'available', 'deleting'] },
    ...ec2TagFilters(context.tags),
  ];
  const pages = paginateDescribeNatGateways(
    { client, pageSize: 1000 },
    { Filter },
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const nat of page.NatGateways ?? []) {
      yield {
        id: required(nat.NatGatewayId, 'ec2:DescribeNatGateways', 'a NatGatewayId'),
        tags: tagsFromList(nat.Tags),
        health: judgeNatGateway(nat),
      };
    }
  }
}

// DescribeVpnConnections is not paginated: it answers with every connection at once.
async function* vpnConnections(context: ScanContext, client: EC2Client): AsyncIterable<Observed> {
  const Filters = [
    { Name: 'state', Values: ['pending', 'available', 'deleting'] },
    ...ec2TagFilters(context.tags),
  ];
  const answer = await client.send(new DescribeVpnConnectionsCommand({ Filters }), {
    abortSignal: context.signal,
  });
  for (const vpn of answer.VpnConnections ?? []) {
    yield {
      id: required(vpn.VpnConnectionId, 'ec2:DescribeVpnConnections', 'a VpnConnectionId'),
      tags: tagsFromList(vpn.Tags),
      health: judgeVpnConnection(vpn),
    };
  }
}

async function* scan(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  yield* vpcs(context, client);
  yield* natGateways(context, client);
  yield* vpnConnections(context, client);
}

/** vpc inventories VPCs, NAT gateways and VPN connections and judges their state. */
export const vpc = {
  name: 'vpc',
  scope: 'regional',
  taggable: true,
  healthRule:
    'VPC available; NAT gateway available; VPN connection available with every tunnel UP.',
  iamActions: {
    health_check: ['ec2:DescribeVpcs', 'ec2:DescribeNatGateways', 'ec2:DescribeVpnConnections'],
    resource_list: ['ec2:DescribeVpcs', 'ec2:DescribeNatGateways', 'ec2:DescribeVpnConnections'],
  },
  healthCheck: scan,
  resourceList: scan,
} as const satisfies ServiceModule;
