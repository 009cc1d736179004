/** `host:port` lists of the connection settings: `REDIS_SENTINEL_HOSTS`, `REDIS_CLUSTER_NODES` and `REDIS_NAT_MAP`. */
import type { HostPort } from './connection.config';
import type { EnvReader } from './env-reader';

const HOST_PORT = /^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

export function parseHostPort(text: string): HostPort | undefined {
  const match = HOST_PORT.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

export function parseHostList(
  reader: EnvReader,
  name = 'REDIS_SENTINEL_HOSTS',
  aliases = ['REDIS_SENTINEL_ADDRS'],
  example = 'sentinel-1:26379,sentinel-2:26379',
): HostPort[] | undefined {
  const found = reader.raw(name, aliases);
  if (!found) return undefined;
  const hosts: HostPort[] = [];
  for (const item of found.value.split(',')) {
    const hp = parseHostPort(item);
    if (!hp) {
      reader.fail(found.name, `"${item.trim()}" is not host:port (expected e.g. ${example})`);
      return undefined;
    }
    hosts.push(hp);
  }
  return hosts;
}

export function parseNatMap(reader: EnvReader): Record<string, HostPort> | undefined {
  const found = reader.raw('REDIS_NAT_MAP');
  if (!found) return undefined;
  const map: Record<string, HostPort> = {};
  for (const item of found.value.split(',')) {
    const [from, to, extra] = item.split('=');
    const inner = from && parseHostPort(from);
    const outer = to && parseHostPort(to);
    if (!inner || !outer || extra !== undefined) {
      reader.fail(found.name, `"${item.trim()}" is not internal-host:port=external-host:port`);
      return undefined;
    }
    map[`${inner.host}:${inner.port}`] = outer;
  }
  return map;
}

/** The first `host:port` listed twice (host case ignored), or undefined. */
export function findRepeatedHost(hosts: readonly HostPort[]): string | undefined {
  const seen = new Set<string>();
  for (const { host, port } of hosts) {
    const key = `${host.toLowerCase()}:${port}`;
    if (seen.has(key)) return `${host}:${port}`;
    seen.add(key);
  }
  return undefined;
}
