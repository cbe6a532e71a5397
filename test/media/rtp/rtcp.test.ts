import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RtcpCompound, RtcpSenderReport, RtcpReceiverReport, RtcpSourceDescription, RtcpGoodbye, RtcpReportBlock, RtcpUnknown,
} from '../../../src/media/rtp/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// SR with one report block, hand-assembled from the RFC 3550 §6.4.1 layout.
const SR = '81c8000c' + '11223344' + 'e7a1b2c3' + '80000000' + '0000a000' + '00000064' + '00003e80'
  + '55667788' + '19' + 'fffffe' + '0001ffff' + '00000010' + 'b2c38000' + '00010000';
const RR = '81c90007' + 'aabbccdd' + '11223344' + '00' + '000003' + '00020010' + '0000000a' + '00000000' + '00000000';
// SDES, one chunk: CNAME "pb@x" (4 octets) -> 4 + 2 + 4 = 10, END + pad to 12.
const SDES = '81ca0003' + 'aabbccdd' + '0104' + '70624078' + '0000';
const BYE = '81cb0003' + 'aabbccdd' + '07' + '6c656176696e67'; // "leaving" (7) -> 1 + 7 = 8 bytes
const APP = '80cc0002' + 'aabbccdd' + '6e616d65';

test('SR: bytes -> fields -> bytes', () => {
  const r = RtcpSenderReport.parse(hex(SR));
  assert.ok(r.ok);
  const sr = r.value;
  assert.equal(sr.ssrc, 0x11223344);
  assert.equal(sr.ntpMsw, 0xe7a1b2c3);
  assert.equal(sr.ntpLsw, 0x80000000);
  assert.equal(sr.rtpTimestamp, 0xa000);
  assert.equal(sr.packetCount, 100);
  assert.equal(sr.octetCount, 16000);
  assert.equal(sr.compactNtp, 0xb2c38000);
  assert.equal(sr.reports.length, 1);
  const b = sr.reports[0];
  assert.deepEqual(
    [b.ssrc, b.fractionLost, b.cumulativeLost, b.extendedHighestSequence, b.jitter, b.lastSr, b.delaySinceLastSr],
    [0x55667788, 0x19, -2, 0x1ffff, 16, 0xb2c38000, 0x10000],
  );
  assert.equal(sr.size, hex(SR).length);
  assert.equal(toHex(sr.serialize()), SR);
});

test('RR, SDES, BYE and an unknown type (APP) round-trip', () => {
  const rr = RtcpReceiverReport.parse(hex(RR));
  assert.ok(rr.ok);
  assert.equal(rr.value.reports[0].cumulativeLost, 3);
  assert.equal(toHex(rr.value.serialize()), RR);
  const sdes = RtcpSourceDescription.parse(hex(SDES));
  assert.ok(sdes.ok);
  assert.equal(sdes.value.cname, 'pb@x');
  assert.equal(toHex(sdes.value.serialize()), SDES);
  assert.equal(toHex(RtcpSourceDescription.withCname(0xaabbccdd, 'pb@x').serialize()), SDES);
  const bye = RtcpGoodbye.parse(hex(BYE));
  assert.ok(bye.ok);
  assert.deepEqual(bye.value.sources, [0xaabbccdd]);
  assert.equal(bye.value.reason, 'leaving');
  assert.equal(toHex(bye.value.serialize()), BYE);
  assert.equal(toHex(new RtcpGoodbye([1, 2]).serialize()), '82cb0002' + '00000001' + '00000002');
  const compound = RtcpCompound.parse(hex(RR + SDES + APP + BYE));
  assert.ok(compound.ok);
  assert.equal(compound.value.packets.length, 4);
  assert.ok(compound.value.packets[2] instanceof RtcpUnknown);
  assert.equal(compound.value.isStrictlyValid, true);
  assert.equal(toHex(compound.value.serialize()), RR + SDES + APP + BYE);
});

test('SDES with several items and chunks; CNAME lengths that hit each padding case', () => {
  for (let len = 0; len < 9; len++) {
    const sdes = RtcpSourceDescription.withCname(7, 'x'.repeat(len));
    const bytes = sdes.serialize();
    assert.equal(bytes.length % 4, 0);
    const back = RtcpSourceDescription.parse(bytes);
    assert.ok(back.ok);
    assert.equal(back.value.cname, 'x'.repeat(len));
    assert.equal(toHex(back.value.serialize()), toHex(bytes));
  }
  const two = new RtcpSourceDescription([
    { ssrc: 1, items: [{ type: 1, value: hex('61') }, { type: 2, value: hex('6262') }] },
    { ssrc: 2, items: [] },
  ]);
  const back = RtcpSourceDescription.parse(two.serialize());
  assert.ok(back.ok);
  assert.equal(back.value.chunks.length, 2);
  assert.equal(back.value.chunks[0].items.length, 2);
  assert.equal(toHex(back.value.serialize()), toHex(two.serialize()));
});

test('compound serialization from fields', () => {
  const sr = new RtcpSenderReport(9, 1, 2, 3, 4, 5, [new RtcpReportBlock(10, 11, -12, 13, 14, 15, 16)]);
  const c = new RtcpCompound([sr, RtcpSourceDescription.withCname(9, 'abc'), RtcpGoodbye.withReason([9], 'bye')]);
  const bytes = c.serialize();
  assert.equal(bytes.length, c.size);
  const back = RtcpCompound.parse(bytes);
  assert.ok(back.ok);
  assert.equal(toHex(back.value.serialize()), toHex(bytes));
  const first = back.value.packets[0];
  assert.ok(first instanceof RtcpSenderReport);
  assert.equal(first.reports[0].cumulativeLost, -12);
});

test('truncated and invalid RTCP is rejected with a typed reason', () => {
  const cases: Array<[string, string]> = [
    ['', 'truncated'],
    ['81c9', 'truncated'],
    ['41c90001aabbccdd', 'bad-version'],
    [RR.slice(0, -8), 'truncated'], // length says 8 words
    ['82c90001aabbccdd', 'bad-report-count'], // RC=2 but no blocks
    ['81c80001aabbccdd', 'bad-report-count'], // SR too short for sender info
    ['81ca0002aabbccdd0105', 'truncated'],
    ['81ca0002aabbccdd01056162', 'bad-sdes'], // item runs past the end
    ['81ca0001aabbccdd', 'bad-sdes'], // chunk without END
    ['81cb00020000000105616263', 'bad-length'], // reason length 5 but 3 octets
    ['a1c90001aabbccdd', 'bad-padding'], // padding count byte 0xdd > length
    ['80630001aabbccdd', 'bad-packet-type'], // PT 99 is not RTCP
  ];
  for (const [bytes, reason] of cases) {
    const r = RtcpCompound.parse(hex(bytes));
    assert.equal(r.ok, false, bytes);
    if (!r.ok) assert.equal(r.reason, reason, bytes);
  }
  // Padding only on the last packet of a compound.
  const paddedFirst = 'a1c90002aabbccdd00000004' + SDES;
  const r = RtcpCompound.parse(hex(paddedFirst));
  assert.equal(r.ok, false);
  // Padding on the last packet is accepted.
  const paddedLast = RR + 'a1ca0004aabbccdd010470624078000000000004';
  const ok = RtcpCompound.parse(hex(paddedLast));
  assert.ok(ok.ok, ok.ok ? '' : ok.reason);
  assert.equal(ok.value.hadPadding, true);
});

test('random bytes never throw; anything accepted re-serializes to a packet that parses the same', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
    const r = RtcpCompound.parse(bytes);
    if (!r.ok) return;
    const again = RtcpCompound.parse(r.value.serialize());
    assert.ok(again.ok);
    assert.equal(toHex(again.value.serialize()), toHex(r.value.serialize()));
  }), { numRuns: 2000 });
  // Well-formed headers with random bodies exercise the inner length checks.
  fc.assert(fc.property(
    fc.integer({ min: 200, max: 204 }), fc.integer({ min: 0, max: 31 }), fc.uint8Array({ minLength: 4, maxLength: 64 }),
    (pt, count, body) => {
      const len = body.length - (body.length % 4);
      const bytes = new Uint8Array(4 + len);
      bytes[0] = 0x80 | count;
      bytes[1] = pt;
      bytes[3] = len / 4;
      bytes.set(body.subarray(0, len), 4);
      RtcpCompound.parse(bytes);
    },
  ), { numRuns: 2000 });
});
