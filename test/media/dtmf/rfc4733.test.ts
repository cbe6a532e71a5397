import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RtpPacket } from '../../../src/media/rtp/index.js';
import {
  DtmfReceiver, DtmfSender, TelephoneEvent, eventToDigit, digitToEvent, type DtmfEvent, type TelephoneEventSink,
} from '../../../src/media/dtmf/index.js';
import { readPcapUdp, SIPP_DIR, SIPP_DTMF_CAPTURES } from '../helpers/pcap.js';

function collect(): { starts: DtmfEvent[]; ends: DtmfEvent[]; receiver: DtmfReceiver } {
  const starts: DtmfEvent[] = [];
  const ends: DtmfEvent[] = [];
  const receiver = new DtmfReceiver({ onDtmfStart: (e) => starts.push(e), onDtmf: (e) => ends.push(e) });
  return { starts, ends, receiver };
}

/** Build a telephone-event packet's fields. */
function ev(seq: number, ts: number, event: number, end: boolean, duration: number): [number, number, Uint8Array] {
  return [seq, ts, new TelephoneEvent(event, end, 10, duration).serialize()];
}

function feed(receiver: DtmfReceiver, packets: Array<[number, number, Uint8Array]>, t0 = 0): void {
  packets.forEach(([seq, ts, payload], i) => receiver.receive(seq, ts, payload, 0, payload.length, t0 + i * 20));
}

test('telephone-event payload: bytes -> fields -> bytes, digits map', () => {
  const bytes = Uint8Array.from([0x0b, 0x8a, 0x08, 0xc0]);
  const r = TelephoneEvent.parse(bytes);
  assert.ok(r.ok);
  assert.deepEqual([r.value.event, r.value.end, r.value.volume, r.value.duration], [11, true, 10, 2240]);
  assert.deepEqual([...r.value.serialize()], [...bytes]);
  assert.equal(TelephoneEvent.parse(Uint8Array.of(1, 2, 3)).ok, false);
  assert.equal(eventToDigit(10), '*');
  assert.equal(eventToDigit(16), undefined);
  assert.equal(digitToEvent('#'), 11);
  assert.equal(digitToEvent('d'), 15);
  assert.equal(digitToEvent('x'), undefined);
});

for (const [file, digit] of SIPP_DTMF_CAPTURES) {
  test(`SIPp capture ${file} decodes to exactly one '${digit}'`, () => {
    const datagrams = readPcapUdp(join(SIPP_DIR, file));
    assert.equal(datagrams.length, 10);
    const { starts, ends, receiver } = collect();
    const p = new RtpPacket();
    const t0 = datagrams[0].timeUs;
    for (const d of datagrams) {
      assert.equal(p.decode(d.payload), null);
      assert.equal(p.payloadType, 101);
      receiver.receive(p.sequenceNumber, p.timestamp, p.buffer, p.payloadOffset, p.payloadLength, (d.timeUs - t0) / 1000);
    }
    assert.equal(starts.length, 1);
    assert.equal(ends.length, 1);
    assert.equal(ends[0].digit, digit);
    assert.equal(ends[0].duration, 2240);
    assert.equal(ends[0].durationMs, 280);
    assert.equal(ends[0].volume, 10);
    assert.equal(ends[0].endSeen, true);
    assert.equal(receiver.ignored.duplicate, 2, 'the two retransmitted end packets share a sequence number');
  });
}

test('three end packets with distinct sequence numbers are one digit; a new press of the same digit is another', () => {
  const { ends, receiver } = collect();
  feed(receiver, [
    ev(1, 1000, 5, false, 160), ev(2, 1000, 5, false, 320), ev(3, 1000, 5, true, 480),
    ev(4, 1000, 5, true, 480), ev(5, 1000, 5, true, 480),
    ev(8, 3000, 5, false, 160), ev(9, 3000, 5, true, 320), ev(10, 3000, 5, true, 320), ev(11, 3000, 5, true, 320),
  ]);
  assert.deepEqual(ends.map((e) => [e.digit, e.timestamp, e.duration]), [['5', 1000, 480], ['5', 3000, 320]]);
});

test('lost start packets, lost end packets (ended by the next event or by timeout), reordering and stale packets', () => {
  const { starts, ends, receiver } = collect();
  // Only the end packets of '1' arrive.
  feed(receiver, [ev(3, 1000, 1, true, 800), ev(4, 1000, 1, true, 800)]);
  // '2' loses all its end packets; '3' starts.
  feed(receiver, [ev(10, 5000, 2, false, 160), ev(11, 5000, 2, false, 320), ev(20, 9000, 3, false, 160)], 100);
  // A late packet of '2' (older timestamp) arrives after '3' started: ignored.
  feed(receiver, [ev(12, 5000, 2, false, 480)], 200);
  // A late continuation of '1' after it ended: ignored.
  feed(receiver, [ev(2, 1000, 1, false, 640)], 210);
  assert.deepEqual(ends.map((e) => [e.digit, e.endSeen]), [['1', true], ['2', false]]);
  // '3' times out without an end.
  receiver.expire(300);
  assert.equal(ends.length, 2);
  receiver.expire(1000);
  assert.deepEqual(ends.map((e) => e.digit), ['1', '2', '3']);
  assert.equal(ends[2].endSeen, false);
  assert.deepEqual(starts.map((e) => e.digit), ['1', '2', '3']);
  assert.ok(receiver.ignored.stale >= 2);
});

test('timestamps wrap around 2^32', () => {
  const { ends, receiver } = collect();
  feed(receiver, [ev(1, 0xffffff00, 7, true, 160), ev(2, 0xffffff00, 7, true, 160), ev(3, 0x10, 8, true, 160)]);
  assert.deepEqual(ends.map((e) => e.digit), ['7', '8']);
});

test('a listener that throws does not break the receiver', () => {
  const ends: string[] = [];
  const receiver = new DtmfReceiver({
    onDtmfStart: () => { throw new Error('boom'); },
    onDtmf: (e) => ends.push(e.digit ?? '?'),
  });
  feed(receiver, [ev(1, 100, 9, false, 160), ev(2, 100, 9, true, 320)]);
  assert.deepEqual(ends, ['9']);
});

class RecordingSink implements TelephoneEventSink {
  currentTimestamp = 48000;
  sent: Array<{ ts: number; marker: boolean; ev: TelephoneEvent }> = [];
  sendTelephoneEvent(payload: Uint8Array, timestamp: number, marker: boolean): void {
    const r = TelephoneEvent.parse(payload);
    assert.ok(r.ok);
    this.sent.push({ ts: timestamp, marker, ev: r.value });
  }
}

test('sender: start with marker, continuation every ptime, three end packets, then the gap; receiver decodes it', async () => {
  const sink = new RecordingSink();
  const sender = new DtmfSender(sink, { toneMs: 100, gapMs: 40, ptimeMs: 20 });
  const done = sender.send('1#');
  let audioTicks = 0;
  for (let i = 0; i < 40 && sender.busy; i++) {
    if (!sender.tick()) audioTicks++;
    sink.currentTimestamp += 160; // the media clock advances every tick
  }
  await done;
  assert.equal(sender.busy, false);
  const first = sink.sent.slice(0, 8);
  assert.deepEqual(first.map((s) => [s.marker, s.ts, s.ev.event, s.ev.end, s.ev.duration]), [
    [true, 48000, 1, false, 160],
    [false, 48000, 1, false, 320],
    [false, 48000, 1, false, 480],
    [false, 48000, 1, false, 640],
    [false, 48000, 1, true, 800],
    [false, 48000, 1, true, 800],
    [false, 48000, 1, true, 800],
    // 7 event ticks + 2 gap ticks later the '#' starts at the then-current media timestamp.
    [true, 48000 + 9 * 160, 11, false, 160],
  ]);
  assert.equal(sink.sent.length, 14);
  assert.equal(audioTicks, 4);
  // Feed it to a receiver with consecutive sequence numbers.
  const { ends, receiver } = collect();
  sink.sent.forEach((s, i) => {
    const payload = s.ev.serialize();
    receiver.receive(100 + i, s.ts, payload, 0, 4, i * 20);
  });
  assert.deepEqual(ends.map((e) => [e.digit, e.durationMs]), [['1', 100], ['#', 100]]);
  assert.throws(() => sender.send('1x'), RangeError);
});

test('sender: w pauses, cancel drops the queue and resolves', async () => {
  const sink = new RecordingSink();
  const sender = new DtmfSender(sink, { gapMs: 0 });
  const p = sender.send('w2');
  for (let i = 0; i < 25; i++) assert.equal(sender.tick(), false);
  assert.equal(sender.tick(), true);
  assert.equal(sink.sent[0].ev.event, 2);
  for (let i = 0; i < 10; i++) sender.tick();
  await p;
  const q = sender.send('123');
  sender.tick();
  sender.cancel();
  while (sender.busy) sender.tick();
  await q;
  assert.equal(sink.sent.filter((s) => s.marker).length, 2, 'only the key already pressed went out');
});
