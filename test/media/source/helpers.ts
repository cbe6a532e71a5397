import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Render a fixture with sox (`sox -n ... synth`) into a buffer; args are the output-format options and effects. */
export function soxFixture(format: string[], effects: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sox-'));
  try {
    const file = join(dir, 'out.wav');
    execFileSync('/usr/bin/sox', ['-n', ...format, file, ...effects]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RMS of a PCM16 signal, skipping `skip` samples at each end (filter edges). */
export function rms(pcm: Int16Array, skip = 0): number {
  let sum = 0;
  let n = 0;
  for (let i = skip; i < pcm.length - skip; i++) {
    sum += pcm[i] * pcm[i];
    n++;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

/** Power of `freq` in a PCM16 signal at `rate` (single-bin DFT, Goertzel-style), as amplitude. */
export function toneAmplitude(pcm: Int16Array, rate: number, freq: number, skip = 0): number {
  let re = 0;
  let im = 0;
  let n = 0;
  for (let i = skip; i < pcm.length - skip; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    re += pcm[i] * Math.cos(w);
    im -= pcm[i] * Math.sin(w);
    n++;
  }
  return (2 * Math.sqrt(re * re + im * im)) / n;
}

/** A minimal RIFF WAVE builder for malformed-file cases. */
export function wavBuffer(opts: { tag?: number; channels?: number; rate?: number; bits?: number; data: Buffer; extraChunk?: boolean }): Buffer {
  const channels = opts.channels ?? 1;
  const bits = opts.bits ?? 16;
  const rate = opts.rate ?? 8000;
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(opts.tag ?? 1, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE((rate * channels * bits) / 8, 16);
  fmt.writeUInt16LE((channels * bits) / 8, 20);
  fmt.writeUInt16LE(bits, 22);
  const extra = opts.extraChunk ? Buffer.concat([Buffer.from('LIST\x03\x00\x00\x00abc\x00', 'latin1')]) : Buffer.alloc(0);
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'latin1');
  dataHead.writeUInt32LE(opts.data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, extra, dataHead, opts.data]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/**
 * `frames` silent MPEG-1 Layer III frames, 48 kHz mono 128 kbit/s (ISO/IEC 11172-3 §2.4.1.3): a header followed by
 * all-zero side information, so every granule has part2_3_length 0 and decodes to silence. No encoder needed.
 */
export function silentMp3(frames: number): Buffer {
  const frameBytes = (144 * 128000) / 48000; // 384, no padding
  const out = Buffer.alloc(frameBytes * frames);
  for (let f = 0; f < frames; f++) out.set([0xff, 0xfb, 0x94, 0xc4], f * frameBytes);
  return out;
}
