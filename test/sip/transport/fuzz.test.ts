/**
 * Property-based robustness of the transport layer: mutated torture messages go in through the same entry point the
 * sockets use (datagrams through a recording test transport, so nothing can leave the machine; streams over a real
 * TCP connection on 127.0.0.1), nothing escapes, and the endpoint still answers the next valid request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import fc from 'fast-check';
import { mutatedMessage } from '../fixtures/mutations.js';
import {
  TransportLayer, type Destination, type Source, type Transport, type TransportUser,
} from '../../../src/sip/transport/index.js';
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';

class RecordingUdp implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly local = { host: '127.0.0.1', port: 5060 };
  sent: Array<{ bytes: Buffer; destination: Destination }> = [];
  send(bytes: Uint8Array, destination: Destination): Promise<void> {
    this.sent.push({ bytes: Buffer.from(bytes), destination });
    return Promise.resolve();
  }
  close(): void {}
}

class OkUser implements TransportUser {
  layer!: TransportLayer;
  receive(m: SipRequest | SipResponse, source: Source): void {
    if (m.isRequest() && m.method !== 'ACK') void this.layer.sendResponse(createResponse(m, 200), source).catch(() => undefined);
  }
}

const SOURCE: Source = {
  protocol: 'UDP', address: '127.0.0.1', port: 40000, reliable: false, connectionId: undefined,
  local: { host: '127.0.0.1', port: 5060 },
};

function valid(n: number): Buffer {
  return Buffer.from(`OPTIONS sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKok${n}\r\n` +
    `Max-Forwards: 70\r\nTo: <sip:uas@127.0.0.1>\r\nFrom: <sip:c@127.0.0.1>;tag=1\r\nCall-ID: valid-${n}\r\n` +
    'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
}

test('datagrams: no mutated message throws past the layer, and the next valid request is answered', () => {
  const user = new OkUser();
  const layer = new TransportLayer(user, { host: '127.0.0.1', port: 0 });
  user.layer = layer;
  const udp = new RecordingUdp();
  layer.addTransport(udp);
  let n = 0;
  fc.assert(
    fc.property(mutatedMessage, (bytes) => {
      layer.onBytes(bytes, SOURCE, udp);
      udp.sent = [];
      layer.onBytes(valid(++n), SOURCE, udp);
      const last = udp.sent.at(-1);
      assert.ok(last, 'answered');
      const r = parseMessage(last.bytes);
      assert.ok(r.ok && r.message.isResponse() && r.message.status === 200 && r.message.callId === `valid-${n}`);
      assert.deepEqual(last.destination, { host: '127.0.0.1', port: 40000 });
    }),
    { numRuns: Number(process.env['FUZZ_RUNS'] ?? 2000), seed: Number(process.env['FUZZ_SEED'] ?? 3261) },
  );
  assert.ok(layer.counters.malformed > 0);
  layer.close();
});

test('streams: mutated messages in random chunks over TCP never take the listener down', async () => {
  const user = new OkUser();
  const layer = new TransportLayer(user, { host: '127.0.0.1', port: 0, udp: false });
  user.layer = layer;
  const { tcp } = await layer.listen();
  assert.ok(tcp);
  try {
    const samples = fc.sample(fc.tuple(mutatedMessage, fc.integer({ min: 1, max: 64 })), { numRuns: 150, seed: 18 });
    const socket = net.connect(tcp.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    for (const [bytes, chunk] of samples) {
      if (socket.destroyed) break;
      for (let i = 0; i < bytes.length; i += chunk * 16) socket.write(bytes.subarray(i, i + chunk * 16));
    }
    socket.destroy();
    // A fresh connection is served normally.
    const fresh = net.connect(tcp.port, '127.0.0.1');
    await once(fresh, 'connect');
    const reply = once(fresh, 'data');
    fresh.write(valid(1).toString().replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
    const [data] = (await reply) as [Buffer];
    const r = parseMessage(data);
    assert.ok(r.ok && r.message.isResponse());
    assert.equal(r.message.status, 200);
    fresh.destroy();
  } finally {
    layer.close();
  }
});
