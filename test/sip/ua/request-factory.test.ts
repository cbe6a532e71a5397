import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutOfDialogRequest } from '../../../src/sip/ua/index.js';

const local = { viaTransport: 'UDP', viaSentBy: '127.0.0.1:5060', contact: '<sip:patchbay@127.0.0.1:5060>', userAgent: 'Patchbay' };

test('a REGISTER carries our Contact unless the caller names its own bindings (RFC 3261 §10.2.1)', () => {
  const plain = createOutOfDialogRequest(local, { method: 'REGISTER', uri: 'sip:example.com' });
  assert.deepEqual(plain.headers.getAll('Contact'), ['<sip:patchbay@127.0.0.1:5060>']);
  for (const name of ['Contact', 'contact', 'm']) {
    const own = createOutOfDialogRequest(local, { method: 'REGISTER', uri: 'sip:example.com', headers: [[name, '<sip:alice@10.0.0.1:5070>']] });
    assert.deepEqual(own.headers.getAll('Contact'), ['<sip:alice@10.0.0.1:5070>'], `caller header named ${name}`);
  }
  const invite = createOutOfDialogRequest(local, { method: 'INVITE', uri: 'sip:bob@example.com' });
  assert.deepEqual(invite.headers.getAll('Contact'), ['<sip:patchbay@127.0.0.1:5060>']);
});
