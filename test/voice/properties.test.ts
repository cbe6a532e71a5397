/** fast-check properties: the parser and the cookie jar never throw on hostile input; signatures match twilio-node. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import twilio from 'twilio';
import { parseTwiml } from '../../src/voice/twiml/parser.js';
import { CookieJar } from '../../src/voice/webhook/cookie-jar.js';
import { twilioSignature } from '../../src/voice/webhook/signature.js';

const fragments = [
  '<Response>', '</Response>', '<Say>', '</Say>', '<Gather numDigits="1">', '</Gather>', '<Play>', '</Play>', '<Pause/>',
  '<Record/>', '<Hangup/>', '<Dial>', '</Dial>', '<Number>', '</Number>', '<Redirect>', '</Redirect>', '&amp;', '&', '<',
  '>', '"', '<!-- c -->', '<![CDATA[x]]>', '<?xml version="1.0"?>', ' loop="0"', 'hello', '/next', ' ', '\n', '<say>', '<Foo/>',
];

describe('properties', () => {
  it('parseTwiml never throws, and answers either a document or a 12100 error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((a) => a.join(''))), (text) => {
        const r = parseTwiml(text, { documentUrl: 'https://app.example.com/voice' });
        if (!r.ok) assert.equal(r.error.code, 12100);
        else for (const w of r.warnings) assert.ok([11100, 12200].includes(w.code) || (w.code >= 13000 && w.code < 14000), String(w.code));
      }),
      { numRuns: 2000 },
    );
  });

  it('twilioSignature equals twilio-node getExpectedTwilioSignature for any form parameters', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 12 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (url, params, token) => {
          assert.equal(twilioSignature(token, url, params), twilio.getExpectedTwilioSignature(token, url, params));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the cookie jar never throws on arbitrary Set-Cookie values', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 10 }), fc.constantFrom('http://a.example.com/x/y', 'https://127.0.0.1:8080/'), (headers, url) => {
        const jar = new CookieJar();
        jar.setCookies(headers, url, 1_700_000_000_000);
        const header = jar.cookieHeader(url, 1_700_000_000_000);
        assert.ok(header === null || typeof header === 'string');
        assert.ok(jar.size <= 50);
      }),
      { numRuns: 1000 },
    );
  });
});
