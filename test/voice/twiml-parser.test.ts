import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { parseTwiml } from '../../src/voice/twiml/parser.js';
import type { DialVerb, GatherVerb, PlayVerb, RecordVerb, SayVerb } from '../../src/voice/twiml/types.js';

const DOC = 'https://app.example.com/voice/start.xml';
const parse = (xml: string, documentUrl: string | null = DOC) => parseTwiml(xml, { documentUrl });
const ok = (xml: string, documentUrl: string | null = DOC) => {
  const r = parse(xml, documentUrl);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r;
};
const codes = (r: ReturnType<typeof ok>) => r.warnings.map((w) => w.code);

describe('TwiML parser', () => {
  it('parses what the official helper builds, with reference §3.2 defaults', () => {
    const vr = new twilio.twiml.VoiceResponse();
    vr.say('Hello');
    const g = vr.gather({ numDigits: 2 });
    g.say({ voice: 'alice', language: 'en-GB', loop: 2 }, 'Press two keys');
    g.pause({ length: 2 });
    vr.play('hold.mp3');
    vr.play({ digits: 'ww1#' });
    vr.pause();
    vr.record();
    vr.redirect('/next');
    vr.hangup();
    vr.reject({ reason: 'busy' });
    const r = ok(vr.toString());
    assert.deepEqual(r.warnings, []);
    const [say, gather, play, digits, pause, record, redirect, hangup, reject] = r.document.verbs;
    assert.deepEqual(say, { verb: 'Say', text: 'Hello', voice: 'man', language: 'en-US', loop: 1 });
    const gv = gather as GatherVerb;
    assert.equal(gv.action, null);
    assert.equal(gv.method, 'POST');
    assert.deepEqual(gv.input, { dtmf: true, speech: false });
    assert.equal(gv.timeout, 5);
    assert.equal(gv.speechTimeout, 5);
    assert.equal(gv.finishOnKey, '#');
    assert.equal(gv.numDigits, 2);
    assert.equal(gv.actionOnEmptyResult, false);
    assert.equal(gv.profanityFilter, true);
    assert.deepEqual(gv.prompts, [
      { verb: 'Say', text: 'Press two keys', voice: 'alice', language: 'en-GB', loop: 2 },
      { verb: 'Pause', length: 2 },
    ]);
    assert.deepEqual(play, { verb: 'Play', url: 'https://app.example.com/voice/hold.mp3', loop: 1, digits: null });
    assert.deepEqual(digits, { verb: 'Play', url: null, loop: 1, digits: 'ww1#' });
    assert.deepEqual(pause, { verb: 'Pause', length: 1 });
    const rv = record as RecordVerb;
    assert.equal(rv.timeout, 5);
    assert.equal(rv.finishOnKey, '1234567890*#');
    assert.equal(rv.maxLength, 3600);
    assert.equal(rv.playBeep, true);
    assert.equal(rv.trim, 'trim-silence');
    assert.deepEqual(rv.recordingStatusCallbackEvent, ['completed']);
    assert.deepEqual(redirect, { verb: 'Redirect', url: 'https://app.example.com/next', method: 'POST' });
    assert.deepEqual(hangup, { verb: 'Hangup' });
    assert.deepEqual(reject, { verb: 'Reject', reason: 'busy' });
  });

  it('rejects what is not well-formed XML with 12100', () => {
    for (const bad of [
      '<Response><Say>a & b</Say></Response>',
      '  <?xml version="1.0"?><Response/>',
      '<Response><Say>unclosed</Response>',
      '<Response><Say loop=2>x</Say></Response>',
      '<Response/><Response/>',
      '<Response><Say>&nbsp;</Say></Response>',
      '<!DOCTYPE r [<!ENTITY x "boom">]><Response><Say>&x;</Say></Response>',
      '<Hello/>',
      '<response><Say>x</Say></response>',
      '<Response><Say voice="a<b">x</Say></Response>',
      '<Response><Say>a ]]> b</Say></Response>',
      '',
      `<Response><Say>${'x'.repeat(65 * 1024)}</Say></Response>`,
    ]) {
      const r = parse(bad);
      assert.equal(r.ok, false, bad.slice(0, 60));
      if (!r.ok) {
        assert.equal(r.error.code, 12100);
        assert.equal(r.error.level, 'error');
      }
    }
  });

  it('decodes entities and character references, keeps comments out', () => {
    const r = ok('<?xml version="1.0"?>\n<Response><!-- hi --><Say>Tom &amp; Jerry &#x41;&#66; &lt;3</Say></Response>');
    assert.equal((r.document.verbs[0] as SayVerb).text, 'Tom & Jerry AB <3');
    const cdata = ok('<Response><Say><![CDATA[Tom & Jerry <3 &amp;]]></Say></Response>');
    assert.equal((cdata.document.verbs[0] as SayVerb).text, 'Tom & Jerry <3 &amp;');
  });

  it('skips an unknown verb, a wrongly cased verb and bad nesting with 12200 warnings', () => {
    const r = ok('<Response><Foo/><say>x</say><Say>kept</Say><Gather><Record/><Play digits="1"/></Gather><Hangup>text</Hangup></Response>');
    assert.deepEqual(r.document.verbs.map((v) => v.verb), ['Say', 'Gather', 'Hangup']);
    assert.deepEqual(codes(r), [12200, 12200, 12200, 12200, 12200]);
    assert.match(r.warnings[1].message, /case-sensitive/);
  });

  it('reports unknown attributes with 12200 and keeps the verb', () => {
    const r = ok('<Response><Say volume="11">x</Say></Response>');
    assert.equal(r.document.verbs.length, 1);
    assert.deepEqual(codes(r), [12200]);
  });

  it('uses the verb codes for bad values and falls back to the default', () => {
    const r = ok(
      '<Response>' +
        '<Gather actionOnEmptyResult="maybe" timeout="soon" finishOnKey="ab" numDigits="0"><Say loop="-1">x</Say></Gather>' +
        '<Say loop="x">y</Say><Play loop="-2">a.wav</Play><Pause length="0"/>' +
        '<Record timeout="-1" finishOnKey="x" recordingStatusCallbackEvent="completed bogus"/>' +
        '<Dial timeout="0" record="sometimes">+15551234567</Dial>' +
        '</Response>',
    );
    assert.deepEqual(codes(r), [13313, 13310, 13314, 13338, 13322, 13510, 13410, 13910, 13611, 13613, 13621, 13217, 13212]);
    const e13338 = r.warnings.find((w) => w.code === 13338)!;
    assert.equal(e13338.level, 'error');
    const g = r.document.verbs[0] as GatherVerb;
    assert.equal(g.actionOnEmptyResult, false);
    assert.equal(g.timeout, 5);
    assert.equal(g.finishOnKey, '#');
    assert.equal(g.numDigits, null);
    assert.equal((r.document.verbs[4] as RecordVerb).timeout, 5);
    assert.deepEqual((r.document.verbs[4] as RecordVerb).recordingStatusCallbackEvent, ['completed']);
  });

  it('asyncAmd* on <Number> and <Sip> is a 21263 warning (not 12200); detection is still parsed', () => {
    const r = ok(
      '<Response><Dial>' +
        '<Number machineDetection="Enable" asyncAmd="true" asyncAmdStatusCallback="ftp://ignored">+15551234567</Number>' +
        '<Sip machineDetection="DetectMessageEnd" asyncAmdStatusCallbackMethod="GET">sip:bob@example.com</Sip>' +
        '</Dial></Response>',
    );
    assert.deepEqual(codes(r), [21263, 21263]);
    assert.ok(r.warnings.every((w) => w.level === 'warning'));
    assert.match(r.warnings[0]!.message, /<Number> asyncAmd, asyncAmdStatusCallback:/);
    const [num, sip] = (r.document.verbs[0] as DialVerb).nouns;
    assert.equal(num!.noun === 'Number' && num.machineDetection, 'Enable');
    assert.equal(sip!.noun === 'Sip' && sip.machineDetection, 'DetectMessageEnd');
  });

  it('resolves relative URLs against the document and needs absolute ones in inline TwiML', () => {
    const r = ok('<Response><Gather action="../next?x=1"/><Play>/a b.wav</Play><Redirect method="GET">loop</Redirect></Response>');
    assert.equal((r.document.verbs[0] as GatherVerb).action, 'https://app.example.com/next?x=1');
    assert.equal((r.document.verbs[1] as PlayVerb).url, 'https://app.example.com/a%20b.wav');
    assert.deepEqual(r.document.verbs[2], { verb: 'Redirect', url: 'https://app.example.com/voice/loop', method: 'GET' });
    const inline = ok('<Response><Play>/a.wav</Play><Say>x</Say></Response>', null);
    assert.deepEqual(inline.document.verbs.map((v) => v.verb), ['Say']);
    assert.deepEqual(codes(inline), [11100]);
  });

  it('parses Dial with its nouns into typed objects with defaults', () => {
    const vr = new twilio.twiml.VoiceResponse();
    const d = vr.dial({ callerId: '+15550001111', record: 'record-from-answer-dual', action: '/dial-done' });
    d.number({ sendDigits: 'ww12', statusCallbackEvent: ['ringing', 'answered'] }, '+15551234567');
    d.client('alice');
    d.sip({ username: 'u' }, 'sip:bob@example.com');
    d.conference({ beep: 'onEnter', waitUrl: '' }, 'room1');
    d.queue({ url: 'about.xml' }, 'support');
    const r = ok(vr.toString());
    assert.deepEqual(r.warnings, []);
    const dial = r.document.verbs[0] as DialVerb;
    assert.equal(dial.timeout, 30);
    assert.equal(dial.timeLimit, 14_400);
    assert.equal(dial.record, 'record-from-answer-dual');
    assert.equal(dial.action, 'https://app.example.com/dial-done');
    assert.deepEqual(dial.nouns.map((n) => n.noun), ['Number', 'Client', 'Sip', 'Conference', 'Queue']);
    const [num, client, sip, conf, queue] = dial.nouns;
    assert.equal(num.noun === 'Number' && num.machineDetectionSpeechThreshold, 2400);
    assert.deepEqual(num.noun === 'Number' && num.statusCallbackEvent, ['ringing', 'answered']);
    assert.equal(client.noun === 'Client' && client.identity, 'alice');
    assert.equal(sip.noun === 'Sip' && sip.uris[0].uri, 'sip:bob@example.com');
    assert.equal(conf.noun === 'Conference' && conf.waitUrl, '');
    assert.equal(conf.noun === 'Conference' && conf.jitterBufferSize, 'large');
    assert.equal(queue.noun === 'Queue' && queue.url, 'https://app.example.com/voice/about.xml');
  });

  it('parses Enqueue, Leave, Start/Stop/Connect with Stream', () => {
    const vr = new twilio.twiml.VoiceResponse();
    vr.enqueue({ waitUrl: 'wait.xml' }, 'support');
    vr.leave();
    vr.start().stream({ url: 'wss://media.example.com/s', name: 's1' });
    vr.stop().stream({ name: 's1' });
    vr.connect({ action: '/after' }).stream({ url: 'wss://media.example.com/b' }).parameter({ name: 'k', value: 'v' });
    vr.echo();
    const r = ok(vr.toString());
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.document.verbs.map((v) => v.verb), ['Enqueue', 'Leave', 'Start', 'Stop', 'Connect', 'Unsupported']);
    const enqueue = r.document.verbs[0];
    assert.ok(enqueue.verb === 'Enqueue');
    assert.equal(enqueue.waitUrl, 'https://app.example.com/voice/wait.xml');
    assert.equal(enqueue.waitUrlMethod, 'POST');
    const connect = r.document.verbs[4];
    assert.ok(connect.verb === 'Connect');
    const stream = connect.nouns[0];
    assert.ok(stream.noun === 'Stream');
    assert.equal(stream.track, 'inbound_track');
    assert.deepEqual(stream.parameters, [{ name: 'k', value: 'v' }]);
  });
});
