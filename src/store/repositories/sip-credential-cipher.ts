import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateDataFile } from '../../core/index.js';

/**
 * How SIP credential passwords are kept: sealed with AES-256-GCM under a server key, never as plain text.
 *
 * Why not HA1, which RFC 2617 §3.2.2.2 lets a server store instead of the password (and which Twilio says it keeps)?
 * HA1 = H(username:realm:password) fixes the realm and the hash. On Patchbay the realm is the SIP domain's name
 * (RFC 3261 §22.1: the realm names the protection domain), a credential list can be mapped to any number of domains
 * after its credentials were created, a domain can be renamed, and the server verifies MD5 and SHA-256 (RFC 8760)
 * responses. Every one of those changes would need the password again, which the API never sees twice. So the
 * password is stored sealed and HA1 is computed at verification time for whatever realm and algorithm the request
 * uses. A copy of the database alone reveals nothing; the key lives outside it (a file in the data directory, or a
 * key handed in by the operator so that every node of a cluster shares it).
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>` in base64url; the credential's SID is the associated data, so a sealed
 * value moved to another row does not open.
 */
export class CredentialCipher {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('the SIP credential key must be 32 bytes');
    this.key = Buffer.from(key);
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The plaintext, or undefined when the value was sealed under another key or for another row, or is damaged. */
  open(sealed: string, associatedData: string): string | undefined {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

export const CREDENTIAL_KEY_FILE = 'sip-credentials.key';

/**
 * The key in `<dataDir>/sip-credentials.key` (64 hex digits, mode 0600), created on first use; two processes
 * starting together end up with the same complete key (see `readOrCreateDataFile`).
 */
export function loadOrCreateCredentialKey(dataDir: string): Uint8Array {
  const text = readOrCreateDataFile(dataDir, CREDENTIAL_KEY_FILE, () => randomBytes(32).toString('hex') + '\n').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`${path.join(dataDir, CREDENTIAL_KEY_FILE)} does not hold a 32-byte hex key`);
  return Buffer.from(text, 'hex');
}
