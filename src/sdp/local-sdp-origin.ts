import { type SessionDescription, serializeSdp } from './session-description.js';

/**
 * The o= line of one side of one session across offers and answers.
 *
 * RFC 3264 §8: every description a party sends in a session keeps the o= session id and increments the version
 * by one when the description differs from the previous one; an unchanged description (a re-INVITE that only
 * refreshes the session) repeats the previous version. `stamp()` enforces both.
 */
export class LocalSdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly address: string;
  private version: bigint;
  private previous: string | null = null;

  constructor(opts: { address: string; sessionId: string; initialVersion?: bigint; username?: string }) {
    if (!/^\d+$/.test(opts.sessionId)) throw new RangeError('o= session id must be numeric (RFC 8866 §5.2)');
    this.username = opts.username ?? '-';
    this.sessionId = opts.sessionId;
    this.address = opts.address;
    this.version = opts.initialVersion ?? 0n;
  }

  /** The version the next changed description will carry. */
  get currentVersion(): bigint {
    return this.version;
  }

  /** Options for `createAudioOffer` / `answerOffer`; the version is fixed later by `stamp()`. */
  get origin(): { username: string; sessionId: string; sessionVersion: bigint; address: string } {
    return { username: this.username, sessionId: this.sessionId, sessionVersion: this.version, address: this.address };
  }

  /** Set o= on a description we are about to send, bumping the version only if the content changed. */
  stamp(sdp: SessionDescription): SessionDescription {
    const body = serializeSdp({ ...sdp, origin: { ...sdp.origin, sessionVersion: 0n } });
    if (this.previous !== null && body !== this.previous) this.version += 1n;
    this.previous = body;
    return {
      ...sdp,
      origin: {
        ...sdp.origin,
        username: this.username,
        sessionId: this.sessionId,
        sessionVersion: this.version,
      },
    };
  }
}

export type RemoteDescriptionChange = 'initial' | 'unchanged' | 'modified' | 'new-session' | 'version-regressed';

/**
 * Classify a remote description against the previous one of the same dialog (RFC 3264 §8): same session id and
 * version means nothing changed (answer as before); a version one or more higher means a real re-offer.
 */
export function classifyRemoteDescription(
  previous: SessionDescription | null,
  next: SessionDescription,
): RemoteDescriptionChange {
  if (previous === null) return 'initial';
  const p = previous.origin;
  const n = next.origin;
  if (p.sessionId !== n.sessionId || p.username !== n.username || p.address !== n.address) return 'new-session';
  if (n.sessionVersion === p.sessionVersion) return 'unchanged';
  return n.sessionVersion > p.sessionVersion ? 'modified' : 'version-regressed';
}
