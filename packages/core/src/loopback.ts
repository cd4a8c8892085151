import { BlockList, isIP } from 'node:net';

let loopback: BlockList | undefined;

/** Built on first use: a BlockList loads two internal modules, which a CLI start need not pay for. */
function loopbackList(): BlockList {
  if (loopback) return loopback;
  loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6'); // BlockList also matches IPv4-mapped forms (::ffff:127.0.0.1)
  return loopback;
}

/** True when a host name or address (any IPv4 or IPv6 spelling, brackets allowed) is loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  const family = isIP(bare);
  return family !== 0 && loopbackList().check(bare, family === 6 ? 'ipv6' : 'ipv4');
}
