import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RtpPacket, writeRtpHeader } from '../../../src/media/rtp/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('parses a plain PCMA packet (first packet of SIPp g711a.pcap) and serializes it back byte for byte', () => {
  const bytes = hex('8088e6fd000000f0dee0ee8f' + 'd5'.repeat(240));
  const r = RtpPacket.parse(bytes);
  assert.ok(r.ok);
  const p = r.value;
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 8);
  assert.equal(p.sequenceNumber, 0xe6fd);
  assert.equal(p.timestamp, 0xf0);
  assert.equal(p.ssrc, 0xdee0ee8f);
  assert.equal(p.payloadLength, 240);
  assert.equal(p.payload.byteOffset - bytes.byteOffset, 12, 'payload is a view into the input');
  assert.equal(p.size, bytes.length);
  assert.equal(toHex(p.serialize()), toHex(bytes));
});

test('CSRCs, header extension and padding round-trip byte-exactly', () => {
  // V=2 P=1 X=1 CC=2, M=0 PT=96, seq 0x0102, ts 0xfffffffe, ssrc 0x11223344,
  // csrc 0xaaaaaaaa 0xbbbbbbbb, ext profile 0xbede len 1 word, payload 3 bytes, padding 4 (count in the last byte).
  const bytes = hex('b2 60 0102 fffffffe 11223344 aaaaaaaa bbbbbbbb bede0001 10ff0000 010203 000000 04');
  const r = RtpPacket.parse(bytes);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const p = r.value;
  assert.deepEqual(p.csrcs, [0xaaaaaaaa, 0xbbbbbbbb]);
  assert.equal(p.extensionProfile, 0xbede);
  assert.equal(toHex(p.extensionData), '10ff0000');
  assert.equal(p.padding, true);
  assert.equal(p.paddingLength, 4);
  assert.equal(toHex(p.payload), '010203');
  assert.equal(p.timestamp, 0xfffffffe);
  assert.equal(p.size, bytes.length);
  assert.equal(toHex(p.serialize()), toHex(bytes));
});

test('fields -> bytes -> fields for arbitrary packets', () => {
  fc.assert(fc.property(
    fc.record({
      marker: fc.boolean(), pt: fc.integer({ min: 0, max: 127 }), seq: fc.integer({ min: 0, max: 0xffff }),
      ts: fc.integer({ min: 0, max: 0xffffffff }), ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
      ext: fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 4 }))),
      payload: fc.uint8Array({ maxLength: 200 }), pad: fc.integer({ min: 0, max: 255 }),
    }),
    (f) => {
      const p = new RtpPacket();
      p.marker = f.marker; p.payloadType = f.pt; p.sequenceNumber = f.seq; p.timestamp = f.ts; p.ssrc = f.ssrc;
      p.csrcs = f.csrcs;
      if (f.ext) { p.extensionProfile = f.ext[0]; p.extensionData = new Uint8Array(f.ext[1] * 4).fill(7); }
      p.setPayload(f.payload);
      if (f.pad > 0) { p.padding = true; p.paddingLength = f.pad; }
      const bytes = p.serialize();
      assert.equal(bytes.length, p.size);
      const back = RtpPacket.parse(bytes);
      assert.ok(back.ok);
      const q = back.value;
      assert.deepEqual(
        [q.marker, q.payloadType, q.sequenceNumber, q.timestamp, q.ssrc, q.csrcs, q.extensionProfile, toHex(q.payload)],
        [f.marker, f.pt, f.seq, f.ts, f.ssrc, f.csrcs, f.ext ? f.ext[0] : undefined, toHex(f.payload)],
      );
      assert.equal(toHex(q.serialize()), toHex(bytes));
    },
  ), { numRuns: 300 });
});

test('truncated and invalid packets are rejected with a typed reason', () => {
  const cases: Array<[string, string]> = [
    ['', 'truncated'],
    ['80 00 0001 00000000', 'truncated'],
    ['40 00 0001 00000000 00000000', 'bad-version'],
    ['c0 00 0001 00000000 00000000', 'bad-version'],
    ['82 00 0001 00000000 00000000 11111111', 'truncated'], // CC=2 but one CSRC
    ['90 00 0001 00000000 00000000 bede', 'truncated'], // X=1 but no extension header
    ['90 00 0001 00000000 00000000 bede0002 00000000', 'bad-extension'], // says 2 words, has 1
    ['a0 00 0001 00000000 00000000', 'bad-padding'], // P=1 but nothing to pad
    ['a0 00 0001 00000000 00000000 0102 00', 'bad-padding'], // padding count 0
    ['a0 00 0001 00000000 00000000 0102 05', 'bad-padding'], // padding longer than the payload
  ];
  for (const [bytes, reason] of cases) {
    const r = RtpPacket.parse(hex(bytes));
    assert.equal(r.ok, false, bytes);
    if (!r.ok) assert.equal(r.reason, reason, bytes);
  }
  // Random garbage never throws.
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
    RtpPacket.parse(b);
  }));
});

test('decode() reuses one instance in place; writeRtpHeader writes the fixed header', () => {
  const p = new RtpPacket();
  const a = hex('80000001000000a000000001' + 'ff'.repeat(4));
  const b = hex('80080002000000b000000002' + '00'.repeat(8));
  assert.equal(p.decode(a), null);
  assert.equal(p.payloadLength, 4);
  assert.equal(p.decode(b), null);
  assert.equal(p.sequenceNumber, 2);
  assert.equal(p.payloadLength, 8);
  assert.equal(p.buffer, b);
  const out = new Uint8Array(12);
  writeRtpHeader(out, 0, true, 0xfffe, 0x01020304, 0xcafebabe);
  assert.equal(toHex(out), '8080fffe01020304cafebabe');
  assert.equal(RtpPacket.looksLikeRtcp(hex('80c8')), true);
  assert.equal(RtpPacket.looksLikeRtcp(hex('8008')), false);
  assert.throws(() => p.serializeInto(new Uint8Array(4)), RangeError);
});
