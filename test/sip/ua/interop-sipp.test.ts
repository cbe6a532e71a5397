import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { FIXTURES, SDP_ANSWER, SIPP, runSipp, spawnSipp, startSocketUserAgent } from './sipp.js';

const skip = existsSync(SIPP) ? false : 'SIPp (sip-tester) is not installed';

// Interop against SIPp on 127.0.0.1 with real sockets. Every SIPp run has -m (call count), -timeout and a hard kill
// deadline, so a failure is reported, never a hang.

test('SIPp OPTIONS → 200 with Allow', { timeout: 30_000, skip }, async () => {
  const ua = await startSocketUserAgent();
  try {
    const r = await runSipp(['-sf', `${FIXTURES}options-uac.xml`, '-m', '3', '-r', '10', '-timeout', '15s', '-timeout_error', `127.0.0.1:${ua.port}`], 25_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '3');
  } finally {
    ua.close();
  }
});

test('SIPp built-in uac: INVITE / 200 / ACK / BYE against an auto-answering user agent, 10 calls', { timeout: 60_000, skip }, async () => {
  let answered = 0;
  let byes = 0;
  const ua = await startSocketUserAgent({
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

test('SIPp CANCEL after 180: 200 for the CANCEL, 487 for the INVITE, ACK absorbed (custom scenario), 5 calls', { timeout: 30_000, skip }, async () => {
  let cancelled = 0;
  const ua = await startSocketUserAgent({
    delegate: {
      onInvite: (leg) => {
        leg.delegate = { onCancel: () => cancelled++ };
        leg.progress(180);
      },
    },
  });
  try {
    const r = await runSipp(['-sf', `${FIXTURES}cancel-uac.xml`, '-m', '5', '-r', '10', '-timeout', '20s', '-timeout_error', `127.0.0.1:${ua.port}`], 25_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '5');
    assert.equal(cancelled, 5);
  } finally {
    ua.close();
  }
});

test('UA as UAC against SIPp built-in uas: INVITE / 180 / 200 / ACK / BYE, 5 calls', { timeout: 60_000, skip }, async () => {
  const ua = await startSocketUserAgent();
  const sipp = await spawnSipp(['-sn', 'uas', '-m', '5', '-timeout', '40s', '-timeout_error'], 50_000);
  try {
    for (let i = 0; i < 5; i++) {
      const progress: number[] = [];
      const leg = ua.ua.invite({ uri: `sip:service@127.0.0.1:${sipp.port}`, sdp: SDP_ANSWER, delegate: { onProgress: (p) => progress.push(p.status) } });
      const answer = await leg.answer;
      assert.equal(answer.status, 200);
      assert.match(answer.sdp, /m=audio/);
      assert.deepEqual(progress, [180]);
      await leg.hangup();
    }
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '5');
  } finally {
    ua.close();
  }
});

test('UA as UAC answers SIPp\'s 401 digest challenge with credentials (MD5, qop=auth) and completes the call', { timeout: 60_000, skip }, async () => {
  const ua = await startSocketUserAgent();
  const sipp = await spawnSipp(['-sf', `${FIXTURES}digest-uas.xml`, '-m', '2', '-timeout', '40s', '-timeout_error'], 50_000);
  try {
    for (let i = 0; i < 2; i++) {
      const leg = ua.ua.invite({ uri: `sip:service@127.0.0.1:${sipp.port}`, sdp: SDP_ANSWER, credentials: { username: 'alice', password: 's3cret' } });
      const answer = await leg.answer;
      assert.equal(answer.status, 200);
      assert.match(leg.invite.headers.get('authorization') ?? '', /^Digest username="alice", realm="sipp.test"/);
      await leg.hangup();
    }
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '2');
  } finally {
    ua.close();
  }
});

test('SIPp uac with 10% packet loss: every one of 20 calls completes through retransmissions', { timeout: 180_000, skip }, async () => {
  const ua = await startSocketUserAgent({
    delegate: {
      onInvite: (leg) => {
        leg.accept(SDP_ANSWER).catch(() => undefined);
      },
    },
  });
  try {
    const r = await runSipp(['-sn', 'uac', '-m', '20', '-r', '10', '-l', '20', '-lost', '10', '-timeout', '150s', '-timeout_error', `127.0.0.1:${ua.port}`], 170_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '20');
    // SIPp did lose packets and recovered its own side by retransmitting; our side recovered by Timer A/E/G and the
    // 2xx retransmission of §13.3.1.4.
    assert.ok(Number(r.stats['Retransmissions(C)']) > 0, 'SIPp retransmitted at least once');
  } finally {
    ua.close();
  }
});

test('SIPp built-in uac over TCP (-t t1): responses reuse the connection, no retransmissions, 5 calls', { timeout: 60_000, skip }, async () => {
  const ua = await startSocketUserAgent({
    protocol: 'TCP',
    delegate: {
      onInvite: (leg) => {
        leg.accept(SDP_ANSWER).catch(() => undefined);
      },
    },
  });
  try {
    const r = await runSipp(['-sn', 'uac', '-t', 't1', '-m', '5', '-r', '10', '-timeout', '40s', '-timeout_error', `127.0.0.1:${ua.port}`], 50_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '5');
    assert.equal(ua.ua.stats.dialogs, 0);
  } finally {
    ua.close();
  }
});
