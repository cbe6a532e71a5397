/**
 * One outgoing audio stream on the shared PlayoutClock: every tick (one ptime) it sends exactly one RTP packet (or
 * lets the timestamp advance), taking, in order of priority:
 *
 *  1. an RFC 4733 telephone-event packet while digits are being sent (`sendDigits` when telephone-event was
 *     negotiated) — the media timestamp keeps advancing underneath (RFC 4733 §2.5.1.2) and the first audio packet
 *     afterwards carries the marker;
 *  2. in-band DTMF tones (`sendDigits` without telephone-event), generated as PCM and encoded;
 *  3. the current prompt: a PCM frame source (structurally the media sources' `AudioSource`), encoded with the leg's
 *     G.711 law into a reused buffer, or pre-encoded frames from the media cache sent as they are;
 *  4. otherwise silence frames (default, keeps NAT bindings and the peer's jitter buffer alive) or nothing.
 *
 * Nothing here allocates per tick. `play*` resolve with how the prompt ended; a new prompt or `stop()` ends the
 * current one with 'stopped'. `close()` is synchronous and idempotent and does not close the session.
 */
import type { Logger } from '../../core/index.js';
import type { G711Codec } from '../codec/index.js';
import { DtmfSender, DtmfToneGenerator, type DtmfSenderOptions } from '../dtmf/index.js';
import type { RtpSession } from '../rtp/index.js';
import type { PlayoutClock, TickHandler } from './playout-clock.js';

/** A pull source of linear PCM frames (the media sources' `AudioSource` fits). */
export interface FrameSource {
  /** Fill `out` with the next frame; false when the source has ended. */
  readFrame(out: Int16Array): boolean;
}

export type PlayOutcome = 'finished' | 'stopped';

export interface PlayoutStreamOptions {
  clock: PlayoutClock;
  session: RtpSession;
  /** The leg's negotiated law (the session's payload type must be its). */
  codec: G711Codec;
  /** Send silence frames when there is nothing to play (default true). */
  sendSilence?: boolean;
  dtmf?: DtmfSenderOptions;
  logger?: Logger;
}

type Prompt =
  | { kind: 'pcm'; source: FrameSource; resolve: (o: PlayOutcome) => void }
  | { kind: 'encoded'; data: Uint8Array; position: number; resolve: (o: PlayOutcome) => void };

export class PlayoutStream {
  // What every tick reads comes first, together (V8 lays fields out in the order they are defined): with thousands of
  // streams taking turns, each further cache line is a miss per packet, as in RtpSession.
  private readonly session: RtpSession;
  /**
   * Digits were handed to `dtmf` and it may still be sending them. Spares every tick a look into the sender (two
   * more objects) while no digits are being sent, which is nearly always.
   */
  private dtmfPending = false;
  private readonly samples: number;
  private tones: { generator: DtmfToneGenerator; resolve: () => void } | undefined;
  private prompt: Prompt | undefined;
  private sendSilence: boolean;
  private readonly silence: Uint8Array;
  private readonly clock: PlayoutClock;
  private readonly codec: G711Codec;
  private readonly logger: Logger | undefined;
  private readonly dtmfOptions: DtmfSenderOptions;
  private readonly dtmf: DtmfSender;
  private readonly pcm: Int16Array;
  private readonly frame: Uint8Array;
  private pendingTones: Array<{ generator: DtmfToneGenerator; resolve: () => void }> = [];
  private closed = false;
  /** Bound rather than an arrow function, which would add a context object to visit on every tick. */
  private readonly onTick: TickHandler = this.tick.bind(this);

  constructor(options: PlayoutStreamOptions) {
    this.clock = options.clock;
    this.session = options.session;
    this.codec = options.codec;
    if (this.session.payloadType !== this.codec.payloadType) {
      throw new RangeError(`session payload type ${this.session.payloadType} is not ${this.codec.name}'s`);
    }
    this.samples = Math.round((this.clock.intervalMs * this.codec.clockRate) / 1000);
    this.sendSilence = options.sendSilence ?? true;
    this.logger = options.logger;
    this.dtmfOptions = { ptimeMs: this.clock.intervalMs, clockRate: this.codec.clockRate, ...options.dtmf };
    this.dtmf = new DtmfSender(this.session, this.dtmfOptions);
    this.pcm = new Int16Array(this.samples);
    this.frame = new Uint8Array(this.samples);
    this.silence = new Uint8Array(this.samples).fill(this.codec.silenceCode);
    this.clock.subscribe(this.onTick);
  }

  /** Play linear PCM frames until the source ends, `stop()`, another prompt or the signal aborts. */
  play(source: FrameSource, signal?: AbortSignal): Promise<PlayOutcome> {
    return this.start((resolve) => ({ kind: 'pcm', source, resolve }), signal);
  }

  /** Play audio already encoded in this leg's law (a cached prompt): one frame of bytes per tick, no transcoding. */
  playEncoded(data: Uint8Array, signal?: AbortSignal): Promise<PlayOutcome> {
    return this.start((resolve) => ({ kind: 'encoded', data, position: 0, resolve }), signal);
  }

  /**
   * Send DTMF digits (0-9 * # A-D, `w` = 500 ms pause): RFC 4733 events when the session has a telephone-event
   * payload type, in-band tones otherwise. A prompt playing meanwhile is paused for in-band tones.
   */
  sendDigits(digits: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.session.telephoneEventPayloadType !== null) {
      this.dtmfPending = true;
      return this.dtmf.send(digits);
    }
    const generator = new DtmfToneGenerator(digits, {
      toneMs: this.dtmfOptions.toneMs, gapMs: this.dtmfOptions.gapMs, sampleRate: this.codec.clockRate,
    });
    return new Promise((resolve) => {
      // Queued behind digits already being played, like RFC 4733 digits in the DtmfSender.
      if (this.tones === undefined) this.tones = { generator, resolve };
      else this.pendingTones.push({ generator, resolve });
    });
  }

  /**
   * Whether idle ticks send silence. A bridge turns it off while it relays the other leg's packets on this session,
   * which must not be interleaved with ours (one SSRC, one timestamp line, RFC 3550 §5.1).
   */
  setIdleSilence(on: boolean): void {
    this.sendSilence = on;
  }

  /** End the current prompt ('stopped'); digits in progress continue. */
  stop(): void {
    this.finish('stopped');
  }

  get playing(): boolean {
    return this.prompt !== undefined;
  }

  /** Leave the clock; the current prompt ends 'stopped' and queued digits are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.unsubscribe(this.onTick);
    this.finish('stopped');
    this.dtmf.cancel();
    this.tones?.resolve();
    this.tones = undefined;
    for (const t of this.pendingTones) t.resolve();
    this.pendingTones = [];
  }

  private start(make: (resolve: (o: PlayOutcome) => void) => Prompt, signal?: AbortSignal): Promise<PlayOutcome> {
    if (this.closed || signal?.aborted) return Promise.resolve('stopped');
    this.finish('stopped');
    return new Promise((resolve) => {
      // The abort listener lives exactly as long as the prompt: a `<Play loop>` starts a prompt per loop on one
      // signal, and listeners left behind would pile up for the whole call.
      const onAbort = () => {
        if (this.prompt === prompt) this.finish('stopped');
      };
      const prompt = make((outcome) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
      this.prompt = prompt;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private finish(outcome: PlayOutcome): void {
    const p = this.prompt;
    if (p === undefined) return;
    this.prompt = undefined;
    p.resolve(outcome);
  }

  private tick(): void {
    const session = this.session;
    if (session.isClosed) {
      this.close();
      return;
    }
    if (this.dtmfPending) {
      if (this.dtmf.tick()) {
        session.skipMedia(this.samples);
        return;
      }
      this.dtmfPending = this.dtmf.busy;
    }
    const n = this.samples;
    while (this.tones !== undefined) {
      const written = this.tones.generator.fill(this.pcm, n);
      if (written > 0) {
        if (written < n) this.pcm.fill(0, written);
        this.codec.encode(this.pcm, this.frame, n);
        session.sendMedia(this.frame, 0, n, n);
        return;
      }
      const done = this.tones.resolve;
      this.tones = this.pendingTones.shift();
      done();
    }
    const p = this.prompt;
    if (p !== undefined) {
      if (p.kind === 'pcm') {
        let ok = false;
        let failed = false;
        try {
          ok = p.source.readFrame(this.pcm);
        } catch (err) {
          failed = true;
          this.logger?.error({ err }, 'audio source failed; prompt stopped');
        }
        if (ok) {
          this.codec.encode(this.pcm, this.frame, n);
          session.sendMedia(this.frame, 0, n, n);
          return;
        }
        this.finish(failed ? 'stopped' : 'finished');
      } else {
        const left = p.data.length - p.position;
        if (left >= n) {
          session.sendMedia(p.data, p.position, n, n);
          p.position += n;
          if (p.position === p.data.length) this.finish('finished');
          return;
        }
        if (left > 0) {
          // Final partial frame: pad with silence.
          this.frame.set(p.data.subarray(p.position));
          this.frame.fill(this.codec.silenceCode, left);
          session.sendMedia(this.frame, 0, n, n);
          this.finish('finished');
          return;
        }
        this.finish('finished');
      }
    }
    if (this.sendSilence) session.sendMedia(this.silence, 0, n, n);
    else session.skipMedia(n);
  }
}
