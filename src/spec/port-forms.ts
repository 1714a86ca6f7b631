import type { PortMapping } from './model.js';
import type { RawPort } from './raw.js';

/**
 * One Compose port entry → PortMapping: `80`, `"80"`, `"8080:80"`, `"127.0.0.1:8080:80"`,
 * `"127.0.0.1::80"`, `"[::1]:8080:80"`, any of them with `/udp`, or the long form
 * `{target, published, host_ip, protocol}`. Returns a message (a predicate of the entry's
 * path) when the entry is not a valid port.
 */
export function parsePort(raw: RawPort): PortMapping | string {
  if (typeof raw === 'number') return { containerPort: raw, protocol: 'tcp' };
  if (typeof raw === 'object') {
    const published = raw.published === undefined ? undefined : Number(raw.published);
    if (published !== undefined && !validPort(published)) return 'has a published port outside 1-65535';
    return withoutUndefined({
      hostIp: raw.host_ip,
      hostPort: published,
      containerPort: raw.target,
      protocol: raw.protocol ?? 'tcp',
    });
  }
  const [spec = '', proto] = raw.split('/');
  let hostIp: string | undefined;
  let rest = spec;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']:');
    if (close < 0) return 'has an IPv6 address without "]:" after it; write it like "[::1]:8080:80"';
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (hostIp === undefined && parts.length === 3) hostIp = parts.shift();
  if (parts.length > 2 || (hostIp !== undefined && parts.length !== 2)) {
    return 'is not a port like "8080:80" or "127.0.0.1:8080:80"; put an IPv6 address in brackets: "[::1]:8080:80"';
  }
  const container = Number(parts.at(-1));
  const hostText = parts.length === 2 ? parts[0] : undefined;
  const host = hostText ? Number(hostText) : undefined;
  if (!validPort(container)) return 'has a container port outside 1-65535';
  if (host !== undefined && !validPort(host)) return 'has a host port outside 1-65535';
  return withoutUndefined({
    hostIp,
    hostPort: host,
    containerPort: container,
    protocol: proto === 'udp' ? 'udp' : 'tcp',
  });
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function withoutUndefined(port: PortMapping): PortMapping {
  const out: PortMapping = { containerPort: port.containerPort, protocol: port.protocol };
  if (port.hostIp !== undefined) out.hostIp = port.hostIp;
  if (port.hostPort !== undefined) out.hostPort = port.hostPort;
  return out;
}
