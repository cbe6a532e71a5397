/**
 * The embedded text-to-speech engine: the `espeak-ng` program (GPL-3.0, run as a separate process, not linked).
 *
 * `espeak-ng --stdout` writes a 22.05 kHz mono 16-bit WAV whose RIFF and data sizes are placeholders (it streams);
 * we fix them so the result is a well-formed file. Text goes in on stdin (no argv length limit, no option
 * injection from user text) as UTF-8 (`-b 1`), without SSML interpretation.
 */
import { spawn } from 'node:child_process';
import { type Clock, systemClock } from '../../core/index.js';
import { EspeakVoiceResolver } from './espeak-voice-resolver.js';
import { type SpeechAudio, type SpeechRequest, type TextToSpeechProvider } from './text-to-speech-provider.js';
import { TtsError } from './tts-error.js';

export interface EspeakNgOptions {
  /** Program to run; default `espeak-ng` from PATH. */
  binary?: string;
  /** Kill the render after this long; default 15 s. */
  timeoutMs?: number;
  /** Largest WAV accepted from the engine; default 16 MiB (about six minutes of speech). */
  maxOutputBytes?: number;
  /** Longest text accepted; default 4096 characters. */
  maxTextLength?: number;
  /** Speaking rate in words per minute (`-s`); default espeak-ng's 175. */
  wordsPerMinute?: number;
  /** Installed language voices; default: asked from `espeak-ng --voices` once. */
  languages?: readonly string[];
  clock?: Clock;
}

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export class EspeakNgProvider implements TextToSpeechProvider {
  readonly name = 'espeak-ng';
  private readonly binary: string;
  private readonly timeoutMs: number;
  private readonly maxOutputBytes: number;
  private readonly maxTextLength: number;
  private readonly wordsPerMinute: number | null;
  private readonly clock: Clock;
  private resolver: Promise<EspeakVoiceResolver> | null = null;

  constructor(opts: EspeakNgOptions = {}) {
    this.binary = opts.binary ?? 'espeak-ng';
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxOutputBytes = opts.maxOutputBytes ?? 16 * 1024 * 1024;
    this.maxTextLength = opts.maxTextLength ?? 4096;
    this.wordsPerMinute = opts.wordsPerMinute ?? null;
    this.clock = opts.clock ?? systemClock;
    if (opts.languages) this.resolver = Promise.resolve(new EspeakVoiceResolver(opts.languages));
  }

  async synthesize(request: SpeechRequest): Promise<SpeechAudio> {
    const text = request.text.trim();
    if (text.length === 0) throw new TtsError('empty-text', 'nothing to say');
    if (text.length > this.maxTextLength) {
      throw new TtsError('text-too-long', `text of ${text.length} characters exceeds ${this.maxTextLength}`);
    }
    const voice = (await this.voices()).resolve(request.voice, request.language);
    const args = ['--stdout', '-b', '1', '-v', voice.variant ? `${voice.language}+${voice.variant}` : voice.language];
    if (this.wordsPerMinute !== null) args.push('-s', String(this.wordsPerMinute));
    const result = await this.run(args, text, request.signal);
    if (result.code !== 0 || result.stdout.length < 44) {
      throw new TtsError('engine-failed', `espeak-ng exited with ${result.code}: ${result.stderr.trim() || 'no audio'}`);
    }
    return { audio: fixWavSizes(result.stdout), contentType: 'audio/wav' };
  }

  /** The installed language voices, asked once. */
  private voices(): Promise<EspeakVoiceResolver> {
    if (this.resolver === null) {
      this.resolver = this.run(['--voices'], '', undefined).then((r) => {
        if (r.code !== 0) throw new TtsError('engine-failed', `espeak-ng --voices exited with ${r.code}`);
        const names = r.stdout
          .toString('utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/)[1])
          .filter((n): n is string => n !== undefined && n.length > 0);
        return new EspeakVoiceResolver(names);
      });
      // A failed probe is retried on the next request rather than cached forever.
      this.resolver.catch(() => {
        this.resolver = null;
      });
    }
    return this.resolver;
  }

  private run(args: string[], input: string, signal: AbortSignal | undefined): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new TtsError('aborted', 'render aborted'));
        return;
      }
      const child = spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let failure: TtsError | null = null;
      const stop = (err: TtsError) => {
        if (failure === null) failure = err;
        child.kill('SIGKILL');
      };
      const timer = this.clock.setTimeout(() => stop(new TtsError('timeout', `espeak-ng took longer than ${this.timeoutMs} ms`)), this.timeoutMs);
      const onAbort = () => stop(new TtsError('aborted', 'render aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxOutputBytes) {
          stop(new TtsError('output-too-large', `espeak-ng produced more than ${this.maxOutputBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      // EPIPE when the process dies before reading its input; the exit handler reports it.
      child.stdin.on('error', () => undefined);
      child.on('error', (err: NodeJS.ErrnoException) => {
        failure ??= err.code === 'ENOENT'
          ? new TtsError('engine-missing', `${this.binary} is not installed (apt-get install espeak-ng)`)
          : new TtsError('engine-failed', `cannot run ${this.binary}: ${err.message}`);
      });
      child.on('close', (code) => {
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (failure !== null) reject(failure);
        else resolve({ code, stdout: Buffer.concat(chunks), stderr });
      });
      child.stdin.end(input, 'utf8');
    });
  }
}

/** Replace the streaming placeholders in the RIFF and `data` sizes with the real ones. */
function fixWavSizes(wav: Buffer): Buffer {
  if (wav.toString('latin1', 0, 4) !== 'RIFF') return wav;
  wav.writeUInt32LE(wav.length - 8, 4);
  let at = 12;
  while (at + 8 <= wav.length) {
    const size = wav.readUInt32LE(at + 4);
    if (wav.toString('latin1', at, at + 4) === 'data') {
      wav.writeUInt32LE(wav.length - at - 8, at + 4);
      break;
    }
    at += 8 + size + (size & 1);
  }
  return wav;
}
