/**
 * UDP socket helpers for RTP: binding with a promise, and a lookup that resolves IP literals synchronously so that
 * `socket.send` hands the datagram to the kernel within the call (dns.lookup defers even literals to the next tick,
 * which would keep a reference to the sender's reusable buffer past the call).
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** dgram lookup that answers IP literals synchronously (dns.lookup defers them to the next tick). */
export function literalFirstLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  const requested = typeof options === 'number' ? options : 4;
  dnsLookup(hostname, { family: requested }, callback);
}

/**
 * Bind a UDP/IPv4 socket to `address:port`; port 0 picks an ephemeral port. Exclusive unless `shared`, which sets
 * SO_REUSEADDR so that exactly one more shared socket (`bindPair`) can bind the same address and port.
 */
export function bind(address: string, port: number, shared = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', lookup: literalFirstLookup, reuseAddr: shared });
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** The two sockets of an RTP port: `receive` stays unconnected, `send` is connected to the peer once it is known. */
export interface SocketPair {
  receive: Socket;
  send: Socket;
}

/**
 * Bind two sockets to one `address:port` for RTP: one that stays unconnected and one that is `connect()`ed to the
 * peer, so that sends skip Node's per-datagram address handling and the kernel's per-datagram route lookup (the
 * connected socket caches its route). Linux delivers a datagram to the connected socket when it comes from the
 * connected peer (its lookup score is higher) and to the unconnected one otherwise, so packets from any other source
 * still arrive — which symmetric RTP needs to latch and relatch (RFC 4961). A single connected socket would make the
 * kernel drop them.
 *
 * Both sockets set SO_REUSEADDR (the kernel allows the sharing only then). A socket of another process without it
 * still gets EADDRINUSE on the port, as before; one with it could share the port, which is the price of this.
 *
 * With port 0, the port is first reserved with an exclusive socket, released, and bound by both shared sockets in the
 * same synchronous turn (the literal lookup binds synchronously): SO_REUSEADDR sockets may otherwise be handed an
 * ephemeral port that another shared pair already holds.
 */
export async function bindPair(address: string, port: number): Promise<SocketPair> {
  for (let attempt = 1; ; attempt++) {
    let chosen = port;
    if (chosen === 0) {
      const probe = await bind(address, 0);
      chosen = probe.address().port;
      probe.close();
    }
    const [receive, send] = await Promise.allSettled([bind(address, chosen, true), bind(address, chosen, true)]);
    if (receive.status === 'fulfilled' && send.status === 'fulfilled') return { receive: receive.value, send: send.value };
    if (receive.status === 'fulfilled') receive.value.close();
    if (send.status === 'fulfilled') send.value.close();
    const err: unknown = receive.status === 'rejected' ? receive.reason : send.status === 'rejected' ? send.reason : undefined;
    // Another process took the released ephemeral port in between: pick another.
    if (port === 0 && attempt < 3 && (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') continue;
    throw err;
  }
}
