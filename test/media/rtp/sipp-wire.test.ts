/**
 * On the wire with SIPp: two SIPp instances set up a call between themselves (no Patchbay SIP code involved); the
 * answering one puts our RtpSession's port in its SDP, so the calling one's `play_pcap_audio` replays the RFC 2833
 * captures — SIPp's own RTP sender — into the session, which must report the digits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { RtpSession } from '../../../src/media/rtp/index.js';
import { SIPP_DIR } from '../helpers/pcap.js';
import { waitFor } from '../helpers/wait.js';
import { freeMediaPortBlock, freeUdpPort } from '../../sip/ua/sipp.js';

const SIPP = '/usr/bin/sipp';
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function run(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(SIPP, args, { cwd, stdio: 'ignore' });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

test('SIPp play_pcap_audio of RFC 2833 captures into an RtpSession yields the digits', { skip: !existsSync(SIPP) && 'SIPp not installed', timeout: 30000 }, async () => {
  const digits: string[] = [];
  const session = await RtpSession.open({
    bindAddress: '127.0.0.1', rtcpIntervalMs: 0, telephoneEventPayloadType: 101,
    delegate: { onDtmf: (e) => digits.push(e.digit ?? '?') },
  });
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sipp-'));
  try {
    writeFileSync(join(dir, 'uas.xml'), readFileSync(join(fixtures, 'sipp-uas-media-elsewhere.xml'), 'utf8')
      .replace('@MEDIA_PORT@', String(session.localPort)));
    writeFileSync(join(dir, 'uac.xml'), readFileSync(join(fixtures, 'sipp-uac-play-dtmf.xml'), 'utf8')
      .replace('@PCAP_1@', join(SIPP_DIR, 'dtmf_2833_1.pcap'))
      .replace('@PCAP_2@', join(SIPP_DIR, 'dtmf_2833_2.pcap')));
    const uasPort = await freeUdpPort();
    const uacPort = await freeUdpPort();
    const mediaPort = await freeMediaPortBlock();
    const uasMediaPort = await freeMediaPortBlock();
    const uas = run(['-sf', 'uas.xml', '-i', '127.0.0.1', '-p', String(uasPort), '-mp', String(uasMediaPort), '-m', '1', '-nostdin', '-timeout', '15'], dir);
    await new Promise((r) => setTimeout(r, 300)); // let the UAS bind before the INVITE (retransmitted anyway)
    const uac = await run([
      '-sf', 'uac.xml', '-i', '127.0.0.1', '-p', String(uacPort), '-mp', String(mediaPort), '-m', '1', '-nostdin',
      '-timeout', '15', `127.0.0.1:${uasPort}`,
    ], dir);
    assert.equal(uac, 0, 'the SIPp call completed');
    assert.equal(await uas, 0);
    await waitFor(() => digits.length === 2, 'two digits');
    assert.deepEqual(digits, ['1', '2']);
    assert.ok(session.stats.packetsReceived >= 10);
  } finally {
    session.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
