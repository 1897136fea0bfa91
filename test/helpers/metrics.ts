/** One unlabelled series from a server's /metrics, as Prometheus would scrape it; undefined if absent. */
export async function readMetric(graphqlUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
