import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import http from 'node:http';
import { once } from 'node:events';
import WebSocket from 'ws';
import {
  TransportLayer, TransportError, responseDestination, type Source, type TransportUser,
} from '../../../src/sip/transport/index.js';
import {
  createResponse, parseMessage, Via, type SipRequest, type SipResponse,
} from '../../../src/sip/message/index.js';

function options(opts: { branch?: string; via?: string; callId?: string; extra?: string[]; body?: string } = {}): Buffer {
  const body = opts.body ?? '';
  return Buffer.from([
    'OPTIONS sip:uas@127.0.0.1 SIP/2.0',
    `Via: ${opts.via ?? `SIP/2.0/UDP 192.0.2.7:5099;branch=${opts.branch ?? 'z9hG4bKtest1'};rport`}`,
    'Max-Forwards: 70',
    'To: <sip:uas@127.0.0.1>',
    'From: <sip:uac@192.0.2.7>;tag=abc',
    `Call-ID: ${opts.callId ?? 'call-1'}`,
    'CSeq: 1 OPTIONS',
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n'));
}

/** A TransportUser that answers every OPTIONS with 200 and records what it saw. */
class EchoUser implements TransportUser {
  layer!: TransportLayer;
  seen: Array<{ message: SipRequest | SipResponse; source: Source }> = [];
  receive(message: SipRequest | SipResponse, source: Source): void {
    this.seen.push({ message, source });
    if (message.isRequest() && message.method !== 'ACK') {
      void this.layer.sendResponse(createResponse(message, 200), source).catch(() => undefined);
    }
  }
}

async function startLayer(extra: Partial<ConstructorParameters<typeof TransportLayer>[1]> = {}) {
  const user = new EchoUser();
  const layer = new TransportLayer(user, { host: '127.0.0.1', port: 0, ...extra });
  user.layer = layer;
  const bound = await layer.listen();
  assert.ok(bound.udp && bound.tcp);
  assert.equal(bound.udp.port, bound.tcp.port);
  assert.notEqual(bound.udp.port, 0);
  return { user, layer, port: bound.udp.port };
}

class UdpClient {
  socket = dgram.createSocket('udp4');
  queue: Buffer[] = [];
  waiters: Array<(b: Buffer) => void> = [];
  async bind(): Promise<number> {
    this.socket.on('message', (m) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    return this.socket.address().port;
  }
  send(b: Buffer, port: number): void {
    this.socket.send(b, port, '127.0.0.1');
  }
  next(ms = 1000): Promise<Buffer | undefined> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(undefined);
      }, ms);
      const done = (b: Buffer): void => {
        clearTimeout(t);
        resolve(b);
      };
      this.waiters.push(done);
    });
  }
  close(): void {
    this.socket.close();
  }
}

function status(b: Buffer | undefined): number | undefined {
  if (b === undefined) return undefined;
  const r = parseMessage(b);
  assert.ok(r.ok && r.message.isResponse(), 'a response');
  return r.message.status;
}

test('UDP: request delivered with source, received/rport stamped, response routed back by rport', async () => {
  const { user, layer, port } = await startLayer();
  const client = new UdpClient();
  const cport = await client.bind();
  try {
    client.send(options(), port);
    const res = await client.next();
    assert.equal(status(res), 200);
    const seen = user.seen[0];
    assert.ok(seen);
    assert.equal(seen.source.protocol, 'UDP');
    assert.equal(seen.source.address, '127.0.0.1');
    assert.equal(seen.source.port, cport);
    assert.equal(seen.source.reliable, false);
    assert.equal(seen.message.topVia?.received, '127.0.0.1');
    assert.equal(seen.message.topVia?.rport, cport);
    assert.equal(layer.counters.delivered, 1);
  } finally {
    client.close();
    layer.close();
  }
});

test('UDP: malformed datagrams get 400 at the source when answerable, else are dropped; counters kept', async () => {
  const { layer, port } = await startLayer();
  const client = new UdpClient();
  await client.bind();
  try {
    client.send(options({ extra: ['Max-Forwards: 999'] }), port);
    assert.equal(status(await client.next()), 400);
    client.send(Buffer.from('\x00\x01garbage'), port);
    client.send(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n\r\n'), port);
    client.send(options({ extra: ['Require: teleportation'] }), port);
    assert.equal(status(await client.next()), 420);
    assert.equal(layer.counters.malformed, 2);
    assert.equal(layer.counters.discarded, 1);
    assert.equal(layer.counters.rejected, 1);
    client.send(options(), port);
    assert.equal(status(await client.next()), 200);
  } finally {
    client.close();
    layer.close();
  }
});

test('UDP: a response to our own Via is delivered, others discarded', async () => {
  const { user, layer, port } = await startLayer({ viaHosts: ['127.0.0.1'] });
  const client = new UdpClient();
  await client.bind();
  try {
    const ours = `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKours\r\nTo: <sip:a@b>;tag=1\r\nFrom: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    client.send(Buffer.from(ours), port);
    client.send(Buffer.from(ours.replace(`127.0.0.1:${port}`, '192.0.2.1')), port);
    for (let i = 0; i < 50 && layer.counters.received < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(user.seen.length, 1);
    assert.equal(layer.counters.discarded, 1);
  } finally {
    client.close();
    layer.close();
  }
});

async function tcpConnect(port: number): Promise<{ socket: net.Socket; read: (n?: number) => Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let buf = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const read = async (count = 1): Promise<string> => {
    const deadline = Date.now() + 2000;
    const countMsgs = (): number => buf.split('SIP/2.0 ').length - 1;
    while (countMsgs() < count && Date.now() < deadline) {
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
    const out = buf;
    buf = '';
    return out;
  };
  return { socket, read };
}

test('TCP: partial and coalesced segments, response on the same connection', async () => {
  const { user, layer, port } = await startLayer();
  const { socket, read } = await tcpConnect(port);
  try {
    const a = options({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKa', callId: 'a', body: 'v=0\r\n' , extra: ['Content-Type: application/sdp'] });
    for (let i = 0; i < a.length; i += 7) {
      socket.write(a.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    const b = options({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKb', callId: 'b' });
    const c = options({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKc', callId: 'c' });
    socket.write(Buffer.concat([b, c]));
    const text = await read(3);
    assert.equal(text.split('SIP/2.0 200 OK').length - 1, 3);
    assert.deepEqual(user.seen.map((s) => s.message.callId), ['a', 'b', 'c']);
    assert.equal(user.seen[0]?.message.body.toString(), 'v=0\r\n');
    const src = user.seen[0]?.source;
    assert.equal(src?.protocol, 'TCP');
    assert.equal(src?.reliable, true);
    assert.ok(src?.connectionId);
    assert.equal(user.seen[1]?.source.connectionId, src.connectionId);
  } finally {
    socket.destroy();
    layer.close();
  }
});

test('TCP: CRLFCRLF ping gets a CRLF pong; oversize stream data drops the connection', async () => {
  const { layer, port } = await startLayer();
  const { socket } = await tcpConnect(port);
  try {
    const pong = once(socket, 'data');
    socket.write('\r\n\r\n');
    const [data] = (await pong) as [Buffer];
    assert.equal(data.toString(), '\r\n');
    const closed = once(socket, 'close');
    socket.write(Buffer.alloc(70 * 1024, 0x41));
    await closed;
    assert.equal(layer.counters.streamErrors, 1);
  } finally {
    socket.destroy();
    layer.close();
  }
});

test('TCP: send() connects out, reuses the connection, and failures are TransportErrors', async () => {
  const { layer } = await startLayer();
  const server = net.createServer();
  let connections = 0;
  let received = '';
  server.on('connection', (s) => {
    connections++;
    s.on('data', (d) => {
      received += d.toString();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  try {
    await layer.send(options({ callId: 'x1' }), { host: '127.0.0.1', port: addr.port }, 'TCP');
    await layer.send(options({ callId: 'x2' }), { host: '127.0.0.1', port: addr.port }, 'TCP');
    for (let i = 0; i < 50 && !received.includes('x2'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(connections, 1);
    assert.ok(received.includes('Call-ID: x1') && received.includes('Call-ID: x2'));
    await assert.rejects(layer.send(Buffer.from('x'), { host: '127.0.0.1', port: 1 }, 'TCP'), (e: unknown) => e instanceof TransportError && e.code === 'CONNECT_FAILED');
    await assert.rejects(layer.send(Buffer.from('x'), { host: '127.0.0.1', port: 1 }, 'WS'), (e: unknown) => e instanceof TransportError && e.code === 'UNSUPPORTED_PROTOCOL');
  } finally {
    server.close();
    layer.close();
  }
  await assert.rejects(layer.send(Buffer.from('x'), { host: '127.0.0.1', port: 1 }, 'UDP'), TransportError);
});

test('WebSocket: sip subprotocol on the given path, one message per frame, replies on the connection', async () => {
  const { user, layer } = await startLayer();
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  const ws = layer.attachWebSocket(server, { paths: ['/sip'] });
  try {
    const client = new WebSocket(`ws://127.0.0.1:${addr.port}/sip`, 'sip');
    await once(client, 'open');
    assert.equal(client.protocol, 'sip');
    const reply = once(client, 'message');
    client.send(options({ via: 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws', callId: 'ws1' }).toString());
    const [data, isBinary] = (await reply) as [Buffer, boolean];
    assert.equal(isBinary, false);
    assert.equal(status(Buffer.from(data)), 200);
    assert.equal(user.seen[0]?.source.protocol, 'WS');
    assert.equal(ws.connectionCount, 1);
    const pong = once(client, 'message');
    client.send('\r\n\r\n');
    const [p] = (await pong) as [Buffer];
    assert.equal(p.toString(), '\r\n');
    client.close();

    const noProto = new WebSocket(`ws://127.0.0.1:${addr.port}/sip`);
    const [err] = (await once(noProto, 'error')) as [Error];
    assert.ok(err instanceof Error);
    await assert.rejects(ws.send(Buffer.from('x'), { host: '192.0.2.1', port: 1 }), (e: unknown) => e instanceof TransportError && e.code === 'NO_CONNECTION');
  } finally {
    layer.close();
    server.close();
    server.closeAllConnections();
  }
});

test('responseDestination follows §18.2.2 and RFC 3581', () => {
  const src: Source = { protocol: 'UDP', address: '198.51.100.1', port: 40000, reliable: false, connectionId: undefined, local: { host: '0.0.0.0', port: 5060 } };
  const v = (s: string): Via => {
    const r = Via.parse(s);
    assert.ok(r.ok);
    return r.value;
  };
  assert.deepEqual(responseDestination(v('SIP/2.0/UDP h.example.com:5070;received=198.51.100.1'), src), { host: '198.51.100.1', port: 5070 });
  assert.deepEqual(responseDestination(v('SIP/2.0/UDP h;received=198.51.100.1;rport=40000'), src), { host: '198.51.100.1', port: 40000 });
  assert.deepEqual(responseDestination(v('SIP/2.0/UDP h;maddr=224.0.1.75;ttl=1'), src), { host: '224.0.1.75', port: 5060 });
  assert.deepEqual(responseDestination(v('SIP/2.0/UDP 192.0.2.4'), src), { host: '192.0.2.4', port: 5060 });
});

test('UDP: CRLF keep-alive datagrams are ignored, not counted as malformed', async () => {
  const { layer, port } = await startLayer();
  const client = new UdpClient();
  await client.bind();
  try {
    client.send(Buffer.from('\r\n\r\n'), port);
    client.send(Buffer.from('\r\n'), port);
    client.send(options(), port);
    assert.equal(status(await client.next()), 200);
    assert.equal(layer.counters.keepalives, 2);
    assert.equal(layer.counters.malformed, 0);
  } finally {
    client.close();
    layer.close();
  }
});

test('TCP: idle connections are closed', async () => {
  const { layer, port } = await startLayer({ idleTimeoutMs: 100 });
  const { socket } = await tcpConnect(port);
  try {
    const t0 = Date.now();
    await once(socket, 'close');
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    socket.destroy();
    layer.close();
  }
});

test('TCP: a response whose connection is gone goes on a new connection to received:sent-by port (§18.2.2)', async () => {
  const { layer } = await startLayer();
  const server = net.createServer();
  let got = '';
  const arrived = new Promise<void>((resolve) => {
    server.on('connection', (s) => s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n\r\n')) resolve();
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  try {
    const req = parseMessage(options({ via: `SIP/2.0/TCP client.invalid:${addr.port};branch=z9hG4bKgone;received=127.0.0.1` }));
    assert.ok(req.ok && req.message.isRequest());
    const gone: Source = { protocol: 'TCP', address: '127.0.0.1', port: 1, reliable: true, connectionId: 'tcp-gone', local: { host: '127.0.0.1', port: 0 } };
    await layer.sendResponse(createResponse(req.message, 486), gone);
    await arrived;
    assert.ok(got.startsWith('SIP/2.0 486 Busy Here'));
  } finally {
    server.close();
    layer.close();
  }
});

test('WebSocket: upgrades on other paths are left to other listeners', async () => {
  const { layer } = await startLayer();
  const server = http.createServer();
  let otherHandled = false;
  server.on('upgrade', (req, socket) => {
    if (req.url === '/other') {
      otherHandled = true;
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  const ws = layer.attachWebSocket(server, { paths: ['/sip'] });
  try {
    const client = new WebSocket(`ws://127.0.0.1:${addr.port}/other`, 'sip');
    await new Promise<void>((resolve) => client.on('error', () => resolve()));
    assert.equal(otherHandled, true);
    assert.equal(ws.connectionCount, 0);
  } finally {
    layer.close();
    server.close();
    server.closeAllConnections();
  }
});

test('WebSocket: a message over 64 KiB drops the connection and is counted', async () => {
  const { layer } = await startLayer();
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  layer.attachWebSocket(server, { paths: ['/sip'] });
  try {
    const client = new WebSocket(`ws://127.0.0.1:${addr.port}/sip`, 'sip');
    await once(client, 'open');
    const closed = once(client, 'close');
    client.send(Buffer.alloc(65 * 1024, 0x41));
    const [code] = (await closed) as [number];
    assert.equal(code, 1009);
    assert.equal(layer.counters.streamErrors, 1);
  } finally {
    layer.close();
    server.close();
    server.closeAllConnections();
  }
});

test('WebSocket: two HTTP servers on one layer, each reply goes back on its own connection', async () => {
  const { user, layer } = await startLayer();
  const servers = [http.createServer(), http.createServer()];
  const ports: number[] = [];
  for (const s of servers) {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const a = s.address();
    assert.ok(a && typeof a === 'object');
    ports.push(a.port);
    layer.attachWebSocket(s, { paths: ['/sip'] });
  }
  try {
    for (const [i, port] of ports.entries()) {
      const client = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'sip');
      await once(client, 'open');
      const reply = once(client, 'message');
      client.send(options({ via: `SIP/2.0/WS c${i}.invalid;branch=z9hG4bKtwo${i}`, callId: `two-${i}` }).toString());
      const [data] = (await reply) as [Buffer];
      const r = parseMessage(Buffer.from(data));
      assert.ok(r.ok);
      assert.equal(r.message.callId, `two-${i}`);
      client.close();
    }
    assert.equal(user.seen.length, 2);
  } finally {
    layer.close();
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
  }
});

test('advertisedHost is reported in local and recognised in Via', async () => {
  const user = new EchoUser();
  const layer = new TransportLayer(user, { host: '0.0.0.0', port: 0, advertisedHost: 'sip.example.test' });
  user.layer = layer;
  try {
    const bound = await layer.listen();
    assert.equal(bound.udp?.host, 'sip.example.test');
    assert.equal(layer.transport('TCP')?.local.host, 'sip.example.test');
    const v = Via.parse(`SIP/2.0/UDP sip.example.test:${bound.udp?.port};branch=z9hG4bKx`);
    assert.ok(v.ok && layer.isLocalVia(v.value));
  } finally {
    layer.close();
  }
});

test('listen: a taken port is a BIND_FAILED TransportError', async () => {
  const { layer, port } = await startLayer();
  const other = new TransportLayer(new EchoUser(), { host: '127.0.0.1', port });
  try {
    await assert.rejects(other.listen(), (e: unknown) => e instanceof TransportError && e.code === 'BIND_FAILED');
    await assert.rejects(layer.listen(), (e: unknown) => e instanceof TransportError && e.code === 'BIND_FAILED');
  } finally {
    other.close();
    layer.close();
  }
});
