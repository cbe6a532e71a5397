/**
 * RFC 4475 torture messages, table-driven from the shared MANIFEST.tsv: for every line, the parse verdict and the
 * response code (or discard) of a UAS built from the message layer must be what the manifest line says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TORTURE_DIR, readManifest, decide } from '../fixtures/torture-uas.js';
import { PINNED, allowed } from '../fixtures/torture-expectations.js';
import { parseMessage, parseUri, uriEquals, SipUri, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';

const manifest = readManifest();

test('manifest lists the 49 torture messages and every one has a pinned verdict', () => {
  assert.equal(manifest.length, 49);
  for (const line of manifest) assert.ok(PINNED[line.file], `no pinned verdict for ${line.file}`);
});

for (const line of manifest) {
  test(`RFC 4475 §${line.section} ${line.file}: ${line.behaviour}`, () => {
    const pinned = PINNED[line.file];
    assert.ok(pinned);
    const allow = allowed(line);
    if (allow.parse !== undefined) assert.equal(pinned.parse, allow.parse, 'pinned parse verdict contradicts the manifest');
    assert.ok(allow.outcomes.has(pinned.outcome), `pinned ${pinned.outcome} not in manifest ${[...allow.outcomes]}`);

    const bytes = readFileSync(path.join(TORTURE_DIR, line.file));
    const d = decide(bytes);
    assert.equal(d.parsed, pinned.parse, `parse verdict (${d.detail})`);
    assert.equal(d.response?.status ?? 'discard', pinned.outcome, `outcome (${d.detail})`);
    if (d.response !== undefined) {
      // Whatever we send back must itself be a well-formed message.
      const again = parseMessage(d.response.serialize());
      assert.ok(again.ok, 'our response parses');
    }
    const r = parseMessage(bytes);
    if (r.ok) {
      // Byte-exact round trip of everything up to the end of the body.
      assert.ok(r.message.serialize().equals(bytes.subarray(0, bytes.length - r.trailing)), 'round trip');
    }
  });
}

function req(file: string): SipRequest {
  const r = parseMessage(readFileSync(path.join(TORTURE_DIR, file)));
  assert.ok(r.ok && r.message.isRequest(), file);
  return r.message;
}

function res(file: string): SipResponse {
  const r = parseMessage(readFileSync(path.join(TORTURE_DIR, file)));
  assert.ok(r.ok && r.message.isResponse(), file);
  return r.message;
}

test('wsinv: all header values recoverable', () => {
  const m = req('wsinv.dat');
  assert.equal(m.via.length, 3);
  assert.deepEqual(m.via.map((v) => v.transport), ['UDP', 'TCP', 'UDP']);
  assert.equal(m.via[1]?.branch, 'z9hG4bK9ikj8');
  assert.equal(m.via[2]?.host, '192.168.255.111');
  assert.equal(m.to?.tag, '1918181833n');
  assert.equal(m.from?.tag, '98asjd8');
  assert.equal(m.from?.displayName, 'J Rosenberg \\"');
  assert.equal(m.maxForwards, 68);
  assert.equal(m.cseq?.seq, 9);
  assert.equal(m.cseq?.method, 'INVITE');
  assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
  assert.equal(m.headers.get('unknownheaderwithunusualvalue'), ';;,,;;,;');
  assert.equal(m.headers.get('subject'), '');
  const c = m.contact;
  assert.ok(c && !c.star);
  assert.equal(c.contacts[0]?.displayName, 'Quoted string ""');
  assert.equal(c.contacts[0]?.param('newparam'), 'newvalue');
  assert.equal(c.contacts[0]?.param('secondparam'), null);
  assert.equal(c.contacts[0]?.param('q'), '0.33');
  assert.equal(m.routes[0]?.uri.kind, 'sip');
  assert.equal(m.contentLength, 150);
  assert.equal(m.body.length, 150);
});

test('intmeth: unusual URI user and password', () => {
  const m = req('intmeth.dat');
  assert.ok(m.uri instanceof SipUri);
  assert.equal(m.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(m.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.equal(m.uri.host, 'example.com');
  assert.equal(m.from?.tag, "_token~1'+`*%!-.");
});

test('esc01 / escnull / semiuri: escaped and unusual user parts', () => {
  const m = req('esc01.dat');
  assert.ok(m.to?.uri instanceof SipUri);
  assert.equal(m.to.uri.decodedUser, 'user');
  assert.ok(m.uri instanceof SipUri);
  assert.equal(m.uri.decodedUser, 'sips:user@example.com');
  const plain = parseUri('sip:user@example.com');
  assert.ok(plain.ok && uriEquals(m.to.uri, plain.value));
  const c = m.contact;
  assert.ok(c && !c.star && c.contacts[0]?.uri instanceof SipUri);
  assert.equal(c.contacts[0].uri.param('lr'), null);
  const same = parseUri('sip:caller@host5.example.net;lr;name=value%25%34%31');
  assert.ok(same.ok && uriEquals(c.contacts[0].uri, same.value));
  const n = req('escnull.dat');
  assert.ok(n.to?.uri instanceof SipUri);
  assert.equal(n.to.uri.user, 'null-%00-null');
  assert.equal(n.to.uri.decodedUser, 'null-\u0000-null');
  const s = req('semiuri.dat');
  assert.ok(s.uri instanceof SipUri);
  assert.equal(s.uri.user, 'user;par=u%40example.net');
  assert.equal(s.uri.params.size, 0);
});

test('dblreq: Content-Length governs, trailing octets ignored', () => {
  const bytes = readFileSync(path.join(TORTURE_DIR, 'dblreq.dat'));
  const r = parseMessage(bytes);
  assert.ok(r.ok);
  assert.ok(r.trailing > 0);
  assert.equal(r.message.body.length, 0);
});

test('mpart01: multipart body passed through untouched', () => {
  const m = req('mpart01.dat');
  assert.equal(m.contentType, 'multipart/mixed');
  assert.equal(m.body.length, 553);
});

test('unreason / noreason: reason phrases kept', () => {
  assert.equal(res('unreason.dat').reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  assert.equal(res('noreason.dat').reason, '');
  assert.equal(res('noreason.dat').status, 100);
});

test('longreq: long values and many Via values', () => {
  const m = req('longreq.dat');
  assert.ok(m.via.length >= 30);
  assert.equal(m.headers.count('via'), m.headers.getAll('via').length);
});

test('regbadct / cparam01 / cparam02 / regescrt: header vs URI parameters', () => {
  const a = req('cparam01.dat').contact;
  assert.ok(a && !a.star);
  assert.equal(a.contacts[0]?.param('unknownparam'), null);
  assert.ok(a.contacts[0]?.uri instanceof SipUri);
  assert.equal(a.contacts[0].uri.params.size, 0);
  const b = req('cparam02.dat').contact;
  assert.ok(b && !b.star && b.contacts[0]?.uri instanceof SipUri);
  assert.equal(b.contacts[0].uri.param('unknownparam'), null);
  assert.equal(b.contacts[0].params.size, 0);
  const c = req('regescrt.dat').contact;
  assert.ok(c && !c.star && c.contacts[0]?.uri instanceof SipUri);
  assert.equal(c.contacts[0].uri.headers.get('Route'), '%3Csip:sip.example.com%3E');
  const d = req('regbadct.dat').contact;
  assert.ok(d && !d.star && d.contacts[0]?.uri instanceof SipUri);
  assert.equal(d.contacts[0].uri.host, 'example.com');
});

test('unksm2: unknown schemes in To/From/Contact are kept as generic URIs', () => {
  const m = req('unksm2.dat');
  assert.equal(m.to?.uri.kind, 'generic');
  assert.equal(m.to?.uri.toString(), 'isbn:2983792873');
  assert.equal(m.from?.uri.scheme, 'http');
});

test('bext01 / invut: 420 lists the unknown tags, 415 carries Accept', () => {
  const a = decide(readFileSync(path.join(TORTURE_DIR, 'bext01.dat'))).response;
  assert.equal(a?.headers.get('unsupported'), 'nothingSupportsThis, nothingSupportsThisEither');
  const b = decide(readFileSync(path.join(TORTURE_DIR, 'invut.dat'))).response;
  assert.ok(b?.headers.get('accept')?.includes('application/sdp'));
});

test('badinv01: the 400 carries the recoverable Via, From, To (tagged), Call-ID and CSeq', () => {
  const r = decide(readFileSync(path.join(TORTURE_DIR, 'badinv01.dat'))).response;
  assert.ok(r);
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('via'), 'SIP/2.0/UDP 192.0.2.15');
  assert.equal(r.headers.get('call-id'), 'badinv01.0ha0isndaksdjasdf3234nas');
  assert.equal(r.headers.get('cseq'), '8 INVITE');
  assert.ok(r.to?.tag);
});
