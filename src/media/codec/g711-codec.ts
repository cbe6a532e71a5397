/**
 * The two G.711 laws behind one small interface, so that media code can hold "the negotiated codec" without
 * branching on its name per packet.
 */
import { mulawDecode, mulawEncode } from './mulaw.js';
import { alawDecode, alawEncode } from './alaw.js';
import { ALAW_TO_MULAW, MULAW_TO_ALAW } from './transcode.js';

export type G711Law = 'PCMU' | 'PCMA';

export class G711Codec {
  /** The μ-law codec: static RTP payload type 0 (RFC 3551 Table 4). */
  static readonly PCMU = new G711Codec('PCMU', 0, mulawEncode, mulawDecode);
  /** The A-law codec: static RTP payload type 8 (RFC 3551 Table 4). */
  static readonly PCMA = new G711Codec('PCMA', 8, alawEncode, alawDecode);

  /** Both G.711 laws sample at 8 kHz (RFC 3551 §4.5.14); one byte per sample. */
  readonly clockRate = 8000;

  private constructor(
    readonly name: G711Law,
    readonly payloadType: number,
    /** Encode linear samples into codes in a caller-supplied buffer; returns bytes written. */
    readonly encode: (pcm: Int16Array, out: Uint8Array, count?: number, pcmOffset?: number, outOffset?: number) => number,
    /** Decode codes into linear samples in a caller-supplied buffer; returns samples written. */
    readonly decode: (codes: Uint8Array, out: Int16Array, count?: number, codesOffset?: number, outOffset?: number) => number,
  ) {}

  /** Look a codec up by its SDP encoding name (case-insensitive, RFC 4566 §6 `a=rtpmap`). */
  static byName(name: string): G711Codec | undefined {
    const upper = name.toUpperCase();
    return upper === 'PCMU' ? G711Codec.PCMU : upper === 'PCMA' ? G711Codec.PCMA : undefined;
  }

  /** Look a codec up by its static payload type. */
  static byPayloadType(pt: number): G711Codec | undefined {
    return pt === 0 ? G711Codec.PCMU : pt === 8 ? G711Codec.PCMA : undefined;
  }

  /** The 256-entry table that converts this law's codes into `target`'s, or `undefined` when they are the same. */
  transcodeTableTo(target: G711Codec): Uint8Array | undefined {
    if (target === this) return undefined;
    return this.name === 'PCMU' ? MULAW_TO_ALAW : ALAW_TO_MULAW;
  }

  /** The code for digital silence (linear 0). */
  get silenceCode(): number {
    return this.name === 'PCMU' ? 0xff : 0xd5;
  }
}
