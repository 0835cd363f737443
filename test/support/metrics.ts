// Reading Prometheus text exposition in tests: the sum of one metric's samples whose labels
// hold the values given (other labels any).

/** metricTotal sums the samples of `metric` that carry every label=value of `labels`. */
export function metricTotal(
  text: string,
  metric: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const wanted = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  // A label begins the set or follows a comma: `kind=` is never read inside `owner_kind=`.
  const holds = (line: string, label: string): boolean =>
    line.includes(`{${label}`) || line.includes(`,${label}`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) && wanted.every((l) => holds(line, l)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
