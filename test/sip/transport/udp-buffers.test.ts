import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/core/index.js';
import { DEFAULT_UDP_BUFFER_SIZE, TransportLayer, UdpTransport, type TransportSink } from '../../../src/sip/transport/index.js';

function sysctl(name: string): number | undefined {
  try {
    return Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('warn', stream), lines };
}

const received: Buffer[] = [];
const sink: TransportSink = { onBytes: (bytes) => received.push(bytes) };

test('UDP socket buffers default to 4 MiB each way (as far as the OS allows)', async () => {
  const t = await UdpTransport.bind(sink, { host: '127.0.0.1', port: 0 });
  try {
    const { recv, send } = t.bufferSizes;
    const rmax = sysctl('rmem_max') ?? DEFAULT_UDP_BUFFER_SIZE;
    const wmax = sysctl('wmem_max') ?? DEFAULT_UDP_BUFFER_SIZE;
    // Linux stores the (capped) request and reports twice that.
    assert.ok(recv >= Math.min(DEFAULT_UDP_BUFFER_SIZE, rmax), `recv buffer ${recv}`);
    assert.ok(send >= Math.min(DEFAULT_UDP_BUFFER_SIZE, wmax), `send buffer ${send}`);
  } finally {
    t.close();
  }
});

test('UDP buffer sizes are configurable through TransportLayer options; 0 keeps the OS default', async () => {
  const layer = new TransportLayer({ receive: () => undefined }, {
    host: '127.0.0.1', port: 0, tcp: false, udpRecvBufferSize: 1024 * 1024, udpSendBufferSize: 0,
  });
  await layer.listen();
  const plain = dgram.createSocket('udp4');
  plain.bind(0, '127.0.0.1');
  await once(plain, 'listening');
  try {
    const t = layer.transport('UDP') as UdpTransport;
    const { recv, send } = t.bufferSizes;
    assert.ok(recv >= Math.min(1024 * 1024, sysctl('rmem_max') ?? Infinity), `recv buffer ${recv}`);
    assert.equal(send, plain.getSendBufferSize());
  } finally {
    plain.close();
    layer.close();
  }
});

test('a size above the OS cap falls back to the cap, logs one warning per process, and the socket works', async (t) => {
  const rmax = sysctl('rmem_max');
  if (rmax === undefined || rmax >= 2 ** 30) {
    t.skip('no rmem_max below 1 GiB to exceed here');
    return;
  }
  const { logger, lines } = capturingLogger();
  const a = await UdpTransport.bind(sink, { host: '127.0.0.1', port: 0, recvBufferSize: 2 ** 30, logger });
  const b = await UdpTransport.bind(sink, { host: '127.0.0.1', port: 0, recvBufferSize: 2 ** 30, logger });
  try {
    const warnings = lines.filter((l) => String(l.msg).includes('recv buffer'));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.sysctl, 'net.core.rmem_max');
    assert.ok(a.bufferSizes.recv >= rmax);
    await b.send(Buffer.from('\r\n\r\n'), a.local);
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received.length, 1);
  } finally {
    a.close();
    b.close();
  }
});
