import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSdp, serializeSdp } from '../../src/sdp/index.js';

const HEADER = ['v=0', 'o=- 1 2 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.2', 't=0 0'];

const noNewline = fc.string({ maxLength: 30 }).filter((s) => !/[\r\n]/.test(s));
const line = fc.oneof(
  fc.constantFrom('a=sendonly', 'a=rtcp-mux', 'm=audio 4000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000',
    'b=AS:64', 'm=video 0 RTP/AVP 96', 'c=IN IP6 ::1', 'i=info', 'k=prompt', 'z=0 0'),
  fc.tuple(fc.constantFrom('a', 'b', 'c', 'i', 'k', 'm', 't', 'u', 'x', 'z'), noNewline).map(([t, v]) => `${t}=${v}`),
  fc.string({ maxLength: 30 }),
);

test('the parser never throws, and whatever it accepts re-serializes to a fixed point', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(line, { maxLength: 15 }), fc.boolean(), (lines, crlf) => {
      const r = parseSdp([...HEADER, ...lines].join(crlf ? '\r\n' : '\n'));
      if (!r.ok) return;
      accepted++;
      const once = serializeSdp(r.value);
      const again = parseSdp(once);
      assert.ok(again.ok, once);
      assert.equal(serializeSdp(again.value), once);
    }),
    { numRuns: 2000, seed: 4566 },
  );
  assert.ok(accepted > 100, `only ${accepted} generated descriptions were valid`);
});
