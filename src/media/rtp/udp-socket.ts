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

/** Bind a UDP/IPv4 socket (exclusively) to `address:port`; port 0 picks an ephemeral port. */
export function bind(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', lookup: literalFirstLookup });
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
