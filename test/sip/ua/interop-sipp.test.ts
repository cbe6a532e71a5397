import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURES, SDP_ANSWER, runSipp, startUdpUserAgent } from './sipp.js';

// Interop against SIPp on 127.0.0.1 with real sockets. Every SIPp run has -m (call count), -timeout and a hard kill
// deadline, so a failure is reported, never a hang.

test('SIPp OPTIONS → 200 with Allow', { timeout: 30_000 }, async () => {
  const ua = await startUdpUserAgent();
  try {
    const r = await runSipp(['-sf', `${FIXTURES}options-uac.xml`, '-m', '3', '-r', '10', '-timeout', '15s', '-timeout_error', `127.0.0.1:${ua.port}`], 25_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '3');
  } finally {
    ua.close();
  }
});

test('SIPp built-in uac: INVITE / 200 / ACK / BYE against an auto-answering user agent, 10 calls', { timeout: 60_000 }, async () => {
  let answered = 0;
  let byes = 0;
  const ua = await startUdpUserAgent({
    delegate: {
      onInvite: (leg) => {
        leg.delegate = { onBye: () => byes++ };
        leg.progress(180);
        leg.accept(SDP_ANSWER).then(() => answered++, () => undefined);
      },
    },
  });
  try {
    const r = await runSipp(['-sn', 'uac', '-m', '10', '-r', '10', '-timeout', '40s', '-timeout_error', `127.0.0.1:${ua.port}`], 50_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '10');
    assert.equal(answered, 10);
    assert.equal(byes, 10);
    assert.equal(ua.ua.stats.dialogs, 0);
  } finally {
    ua.close();
  }
});
