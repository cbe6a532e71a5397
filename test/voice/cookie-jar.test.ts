import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar, defaultPath, domainMatch, parseSetCookie, pathMatch } from '../../src/voice/webhook/cookie-jar.js';

const T0 = 1_700_000_000_000;

describe('CookieJar (RFC 6265 subset)', () => {
  it('parses Set-Cookie leniently (§5.2)', () => {
    assert.deepEqual(parseSetCookie('sid=abc; Path=/app; Domain=.Example.COM; Max-Age=60; Secure; HttpOnly'), {
      name: 'sid', value: 'abc', path: '/app', domain: 'example.com', maxAge: 60, secure: true,
    });
    assert.equal(parseSetCookie('novalue'), null);
    assert.equal(parseSetCookie('=x'), null);
    assert.equal(parseSetCookie('a=b; Max-Age=soon')?.maxAge, undefined);
    assert.equal(parseSetCookie('a=b; Expires=not a date')?.expires, undefined);
  });

  it('sends host-only cookies back to the same host only, and domain cookies to subdomains', () => {
    const jar = new CookieJar();
    jar.setCookie('a=1', 'http://app.example.com/voice/start', T0);
    jar.setCookie('b=2; Domain=example.com', 'http://app.example.com/voice/start', T0);
    jar.setCookie('c=3; Domain=other.com', 'http://app.example.com/', T0); // not a domain-match: ignored
    assert.equal(jar.cookieHeader('http://app.example.com/voice/next', T0), 'a=1; b=2');
    assert.equal(jar.cookieHeader('http://x.app.example.com/voice/next', T0), 'b=2');
    assert.equal(jar.cookieHeader('http://example.org/voice/next', T0), null);
  });

  it('applies default-path and path-match (§5.1.4), longest path first', () => {
    assert.equal(defaultPath('/voice/start'), '/voice');
    assert.equal(defaultPath('/start'), '/');
    assert.ok(pathMatch('/voice/next', '/voice'));
    assert.ok(!pathMatch('/voicemail', '/voice'));
    const jar = new CookieJar();
    jar.setCookie('root=r; Path=/', 'http://h/voice/start', T0);
    jar.setCookie('v=1', 'http://h/voice/start', T0);
    assert.equal(jar.cookieHeader('http://h/voice/x', T0), 'v=1; root=r');
    assert.equal(jar.cookieHeader('http://h/other', T0), 'root=r');
  });

  it('expires cookies by Max-Age (which wins over Expires) and deletes them with Max-Age=0', () => {
    const jar = new CookieJar();
    jar.setCookie(`a=1; Max-Age=10; Expires=${new Date(T0 + 3_600_000).toUTCString()}`, 'http://h/', T0);
    jar.setCookie(`b=2; Expires=${new Date(T0 + 20_000).toUTCString()}`, 'http://h/', T0);
    assert.equal(jar.cookieHeader('http://h/', T0 + 9_000), 'a=1; b=2');
    assert.equal(jar.cookieHeader('http://h/', T0 + 11_000), 'b=2');
    jar.setCookie('b=gone; Max-Age=0', 'http://h/', T0 + 12_000);
    assert.equal(jar.cookieHeader('http://h/', T0 + 12_000), null);
  });

  it('replaces a cookie in place and keeps Secure cookies off plain HTTP', () => {
    const jar = new CookieJar();
    jar.setCookie('a=1', 'http://h/', T0);
    jar.setCookie('b=2', 'http://h/', T0);
    jar.setCookie('a=3', 'http://h/', T0);
    assert.equal(jar.cookieHeader('http://h/', T0), 'a=3; b=2');
    jar.setCookie('s=x; Secure', 'https://h/', T0);
    assert.equal(jar.cookieHeader('http://h/', T0), 'a=3; b=2');
    assert.equal(jar.cookieHeader('https://h/', T0), 'a=3; b=2; s=x');
  });

  it('domain-matches names but not IP addresses (§5.1.3)', () => {
    assert.ok(domainMatch('a.b.com', 'b.com'));
    assert.ok(!domainMatch('ab.com', 'b.com'));
    assert.ok(!domainMatch('1.2.3.4', '2.3.4'));
    assert.ok(domainMatch('127.0.0.1', '127.0.0.1'));
  });
});
