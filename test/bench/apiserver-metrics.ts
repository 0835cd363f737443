// The apiserver's own count of the requests it served (`apiserver_request_total`), scraped
// from its /metrics with the admin certificate, and the difference between two scrapes.
import type { KubeHttp } from './kube-http.ts';

/** RequestCounts maps `VERB resource[/subresource] code` to a count. */
export type RequestCounts = ReadonlyMap<string, number>;

/** RequestRow is one verb and resource, summed over answer codes. */
export interface RequestRow {
  readonly verb: string;
  readonly resource: string;
  readonly count: number;
  /** Of those, answered with a code other than 2xx. */
  readonly failed: number;
}

/** WRITE_VERBS are the verbs that change state (APPLY is a server-side apply PATCH). */
export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'POST',
  'PUT',
  'PATCH',
  'APPLY',
  'DELETE',
  'DELETECOLLECTION',
]);

/** LONG_RUNNING are verbs whose count is connections held, not work done. */
export const LONG_RUNNING: ReadonlySet<string> = new Set(['WATCH', 'CONNECT']);

const LINE = /^apiserver_request_total\{([^}]*)\} (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** scrapeRequests reads apiserver_request_total, keyed by verb, resource and code. */
export async function scrapeRequests(http: KubeHttp): Promise<RequestCounts> {
  const counts = new Map<string, number>();
  for (const line of (await metricsText(http)).split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const key = keyOf(match[1] ?? '');
    counts.set(key, (counts.get(key) ?? 0) + Number(match[2]));
  }
  return counts;
}

// keyOf turns a series' labels into `VERB resource[/subresource] code`.
function keyOf(labelText: string): string {
  const labels = new Map([...labelText.matchAll(LABEL)].map((m) => [m[1], m[2] ?? '']));
  const sub = labels.get('subresource') ?? '';
  const resource = `${labels.get('resource') ?? ''}${sub === '' ? '' : `/${sub}`}`;
  return `${labels.get('verb') ?? ''} ${resource} ${labels.get('code') ?? ''}`;
}

/** requestsBetween is what the apiserver served between two scrapes, by verb and resource. */
export function requestsBetween(before: RequestCounts, after: RequestCounts): RequestRow[] {
  const rows = new Map<string, { verb: string; resource: string; count: number; failed: number }>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta <= 0) continue;
    const [verb = '', resource = '', code = ''] = key.split(' ');
    const id = `${verb} ${resource}`;
    const row = rows.get(id) ?? { verb, resource, count: 0, failed: 0 };
    row.count += delta;
    if (!code.startsWith('2')) row.failed += delta;
    rows.set(id, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.count - a.count || a.resource.localeCompare(b.resource),
  );
}

/** formatRequests prints rows as a markdown table. */
export function formatRequests(rows: readonly RequestRow[]): string {
  const lines = ['| verb | resource | requests | not 2xx |', '| --- | --- | ---: | ---: |'];
  for (const row of rows)
    lines.push(`| ${row.verb} | ${row.resource} | ${row.count} | ${row.failed} |`);
  if (rows.length === 0) lines.push('| (none) | | 0 | 0 |');
  return lines.join('\n');
}

const TERMINATED = /^apiserver_terminated_watchers_total\{([^}]*)\} (\S+)$/;

/**
 * scrapeTerminatedWatchers reads apiserver_terminated_watchers_total by resource: watches
 * the apiserver closed because their watcher fell behind its buffer (the watch cache's
 * "unresponsive" watchers), which clients see as a watch that ended early.
 */
export async function scrapeTerminatedWatchers(http: KubeHttp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await metricsText(http)).split('\n')) {
    const match = TERMINATED.exec(line);
    if (match === null) continue;
    const labels = new Map([...(match[1] ?? '').matchAll(LABEL)].map((m) => [m[1], m[2] ?? '']));
    const resource = labels.get('resource') ?? '';
    counts[resource] = (counts[resource] ?? 0) + Number(match[2]);
  }
  return counts;
}

// metricsText is the apiserver's /metrics, read with the admin certificate.
async function metricsText(http: KubeHttp): Promise<string> {
  const answer = await http.send({ method: 'GET', path: '/metrics' });
  if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}`);
  return answer.body;
}
