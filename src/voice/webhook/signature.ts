/**
 * `X-Twilio-Signature` (reference §5, after twilio-node `getExpectedTwilioSignature`): HMAC-SHA1 keyed by the
 * account's Auth Token over the full requested URL followed by every POST parameter as `name + value`, names sorted
 * in JavaScript's default (UTF-16 code unit) order; base64. GET requests sign the URL alone (its query already
 * holds the parameters).
 */
import { createHmac } from 'node:crypto';
import type { WebhookParams } from './params.js';

export function twilioSignature(authToken: string, url: string, params: WebhookParams): string {
  let data = url;
  // Array.prototype.sort without a comparator compares UTF-16 code units, as twilio-node does.
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}
