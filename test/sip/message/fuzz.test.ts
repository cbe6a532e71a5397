/** Property-based robustness of the message layer over mutated RFC 4475 messages: nothing ever throws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mutatedMessage } from '../fixtures/mutations.js';
import { decide } from '../fixtures/torture-uas.js';
import { parseMessage, frameStream, validateRequest } from '../../../src/sip/message/index.js';

test('parser, accessors, validation and framing never throw on mutated torture messages', () => {
  fc.assert(
    fc.property(mutatedMessage, (bytes) => {
      const r = parseMessage(bytes);
      if (r.ok) {
        const m = r.message;
        // Every typed accessor is safe on anything the parser accepted.
        void [m.via, m.topVia, m.from, m.to, m.contact, m.routes, m.recordRoutes, m.cseq, m.callId, m.maxForwards,
          m.contentLength, m.contentType, m.startLine()];
        if (m.isRequest()) validateRequest(m);
        // What we accepted serializes to bytes we accept again.
        const again = parseMessage(m.serialize());
        assert.ok(again.ok, `re-parse: ${again.ok ? '' : again.reason}`);
      }
      const d = decide(bytes);
      if (d.response !== undefined) assert.ok(parseMessage(d.response.serialize()).ok, 'our answer parses');
      frameStream(bytes, 65536);
    }),
    { numRuns: Number(process.env['FUZZ_RUNS'] ?? 2000), seed: Number(process.env['FUZZ_SEED'] ?? 4475) },
  );
});
