import { isIP } from 'node:net';

/** An address range: a network address and a prefix length (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6). */
export interface CidrRange {
  readonly address: string;
  readonly prefixLength: number;
}

interface Parsed {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint | undefined {
  // An embedded dotted quad (RFC 4291 §2.2 form 3) becomes two hex groups first.
  let s = text.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseV4(dotted[1]!);
    s = s.slice(0, dotted.index) + ((v4 >> 16n) & 0xffffn).toString(16) + ':' + (v4 & 0xffffn).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function parse(address: string): Parsed | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zoneless = bare.split('%')[0]!;
  const family = isIP(zoneless);
  if (family === 4) return { family: 4, value: parseV4(zoneless) };
  if (family === 6) {
    const value = parseV6(zoneless);
    if (value === undefined) return undefined;
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) is that IPv4 address: a dual-stack socket
    // reports IPv4 peers this way.
    if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  return undefined;
}

/** Whether `address` lies in `range`. Unparseable input never matches. */
export function cidrContains(range: CidrRange, address: string): boolean {
  const net = parse(range.address);
  const ip = parse(address);
  if (!net || !ip || net.family !== ip.family) return false;
  const bits = net.family === 4 ? 32 : 128;
  const prefix = Math.max(0, Math.min(bits, Math.floor(range.prefixLength)));
  if (prefix === 0) return true;
  const shift = BigInt(bits - prefix);
  return net.value >> shift === ip.value >> shift;
}

export function anyCidrContains(ranges: readonly CidrRange[], address: string): boolean {
  return ranges.some((r) => cidrContains(r, address));
}
