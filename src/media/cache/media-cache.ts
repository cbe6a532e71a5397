/**
 * The media cache: every `<Play>` URL and every `<Say>` render becomes, once, a telephony-ready resource — 8 kHz
 * PCM plus G.711 μ-law and A-law in 20 ms frames — with a persistent Patchbay address `/media/<id>`, where `id` is
 * the SHA-256 of the source key. Later plays of the same source reuse it without fetching or transcoding.
 *
 * - Freshness and revalidation follow RFC 9111 (see cache-policy.ts). A 304 keeps the processed media as is.
 * - Concurrent requests for the same source share one fetch and one transcode (request coalescing).
 * - The total processed size is bounded; the least recently used entries are evicted first.
 * - Entries live on disk under the data directory with a persisted index, so they survive restarts; media is
 *   loaded into memory on first use.
 */
import { createHash } from 'node:crypto';
import { Agent, type Dispatcher, interceptors } from 'undici';
import { type Clock, type Logger, silentLogger, systemClock } from '../../core/index.js';
import { type AudioContainer, AudioDecodeError, decodeToTelephonyPcm } from '../source/index.js';
import { type SpeechRequest, type TextToSpeechProvider } from '../tts/index.js';
import { freshness } from './cache-policy.js';
import { MediaError } from './media-error.js';
import { type FetchOutcome, fetchMedia } from './media-fetcher.js';
import { MediaStore, type StoredEntry } from './media-store.js';
import { containerFor } from './media-types.js';
import { ProcessedMedia } from './processed-media.js';

export interface MediaCacheOptions {
  /** Directory for processed media and the index, e.g. `./data/media`. */
  dataDir: string;
  /** Bound on the total processed size (PCM + both laws), bytes; default 512 MiB. */
  maxBytes?: number;
  /** Largest media file fetched, bytes; default 64 MiB (a 40-minute 192 kbit/s MP3 is ~58 MB). */
  maxMediaBytes?: number;
  /** Connect / response timeouts; default 10 s connect, 15 s for headers and between body chunks. */
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Freshness when a response says nothing (RFC 9111 §4.2.2 heuristic); default 5 minutes. */
  heuristicTtlMs?: number;
  /** Path prefix of the persistent address; default `/media`. */
  basePath?: string;
  /** HTTP client; default an undici Agent following up to 10 redirects (Twilio's limit). */
  dispatcher?: Dispatcher;
  clock?: Clock;
  logger?: Logger;
}

export interface MediaCacheStats {
  hits: number;
  misses: number;
  revalidations: number;
  fetches: number;
  transcodes: number;
  evictions: number;
  coalesced: number;
  /** Stale copies played because the origin was unreachable. */
  staleServed: number;
}

interface Entry extends StoredEntry {
  media: ProcessedMedia | null;
}

export class MediaCache {
  readonly stats: MediaCacheStats = { hits: 0, misses: 0, revalidations: 0, fetches: 0, transcodes: 0, evictions: 0, coalesced: 0, staleServed: 0 };
  private readonly store: MediaStore;
  private readonly maxBytes: number;
  private readonly maxMediaBytes: number;
  private readonly heuristicTtlMs: number;
  private readonly basePath: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: Agent | null;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Map order is LRU order: least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ProcessedMedia>>();
  private totalBytes = 0;
  private indexDirty = false;
  private indexWrite: Promise<void> | null = null;

  private constructor(opts: MediaCacheOptions) {
    this.store = new MediaStore(opts.dataDir);
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.maxMediaBytes = opts.maxMediaBytes ?? 64 * 1024 * 1024;
    this.heuristicTtlMs = opts.heuristicTtlMs ?? 5 * 60_000;
    this.basePath = (opts.basePath ?? '/media').replace(/\/$/, '');
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger();
    if (opts.dispatcher) {
      this.dispatcher = opts.dispatcher;
      this.ownDispatcher = null;
    } else {
      const responseTimeout = opts.responseTimeoutMs ?? 15_000;
      this.ownDispatcher = new Agent({
        connectTimeout: opts.connectTimeoutMs ?? 10_000,
        headersTimeout: responseTimeout,
        bodyTimeout: responseTimeout,
      });
      this.dispatcher = this.ownDispatcher.compose(interceptors.redirect({ maxRedirections: 10 }));
    }
  }

  /** Open the cache on its directory, loading the persisted index. */
  static async open(opts: MediaCacheOptions): Promise<MediaCache> {
    const cache = new MediaCache(opts);
    await cache.store.init();
    const index = await cache.store.readIndex();
    for (const e of index?.entries ?? []) {
      cache.entries.set(e.id, { ...e, media: null });
      cache.totalBytes += e.bytes;
    }
    cache.evict(null);
    return cache;
  }

  /** The id of a `<Play>` URL (SHA-256 of the URL as given). */
  static idForUrl(url: string): string {
    return sha256(`url\n${url}`);
  }

  /** The id of a TTS render: provider + voice + language + text. */
  static idForSpeech(provider: string, request: Pick<SpeechRequest, 'text' | 'voice' | 'language'>): string {
    return sha256(speechKey(provider, request));
  }

  /** The persistent Patchbay address of a cached resource. */
  addressOf(id: string): string {
    return `${this.basePath}/${id}`;
  }

  get sizeBytes(): number {
    return this.totalBytes;
  }

  /** Ids in LRU order, least recently used first. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Media for a `<Play>` URL: from the cache when fresh, revalidated when stale, else fetched and transcoded. */
  fetchUrl(url: string, opts: { signal?: AbortSignal } = {}): Promise<ProcessedMedia> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return Promise.reject(new MediaError('invalid-url', `not an absolute URL: ${url}`, { url }));
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return Promise.reject(new MediaError('invalid-url', `unsupported scheme ${parsed.protocol} in ${url}`, { url }));
    }
    const id = MediaCache.idForUrl(url);
    // The shared load is not tied to any one caller's signal: one call hanging up must not fail the others
    // waiting for the same media. Each caller stops waiting on its own signal instead.
    return abortable(this.coalesce(id, () => this.loadUrl(id, url)), opts.signal);
  }

  /** A TTS render through the cache; provider errors (`TtsError`) pass through unchanged. */
  render(provider: TextToSpeechProvider, request: SpeechRequest): Promise<ProcessedMedia> {
    const key = speechKey(provider.name, request);
    const id = sha256(key);
    const { signal, ...shared } = request;
    return abortable(this.coalesce(id, () => this.loadSpeech(id, key, provider, shared)), signal);
  }

  /** Lookup by persistent id (for the HTTP route); null when not cached. Does not fetch. */
  async lookup(id: string): Promise<ProcessedMedia | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    const entry = this.entries.get(id);
    if (!entry) return null;
    return this.materialize(entry);
  }

  /** Wait for the index to reach the disk and release the HTTP client. */
  async close(): Promise<void> {
    await this.flushIndex();
    await this.ownDispatcher?.close();
  }

  /** Wait until the persisted index reflects every change so far. */
  async flushIndex(): Promise<void> {
    while (this.indexWrite) await this.indexWrite;
  }

  private coalesce(id: string, load: () => Promise<ProcessedMedia>): Promise<ProcessedMedia> {
    const pending = this.inflight.get(id);
    if (pending) {
      this.stats.coalesced++;
      return pending;
    }
    const p = load().finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async loadUrl(id: string, url: string): Promise<ProcessedMedia> {
    const now = this.clock.now();
    const entry = this.entries.get(id);
    let cached: ProcessedMedia | null = null;
    if (entry) {
      cached = await this.materialize(entry);
      if (cached && !entry.revalidateAlways && entry.freshUntil !== null && now < entry.freshUntil) {
        this.stats.hits++;
        return cached;
      }
      if (cached === null) this.drop(entry); // its file is gone or corrupt: start over
    }
    this.stats.misses++;
    const validators = cached && entry && (entry.etag || entry.lastModified) ? { etag: entry.etag, lastModified: entry.lastModified } : null;
    this.stats.fetches++;
    let outcome: FetchOutcome;
    try {
      outcome = await fetchMedia(url, { dispatcher: this.dispatcher, maxBytes: this.maxMediaBytes, validators });
    } catch (err) {
      // RFC 9111 §4.2.4: a stale response may be served when the origin cannot be reached, unless a directive
      // forbids it (no-cache). A 4xx is an answer, not an outage: the media is gone, so the error stands.
      const outage = err instanceof MediaError &&
        (err.kind === 'connection-failed' || err.kind === 'timeout' || (err.kind === 'http-status' && (err.status ?? 0) >= 500));
      if (outage && cached && entry && !entry.revalidateAlways) {
        this.log.warn({ url, err: err.message }, 'media origin unreachable; playing the stale cached copy');
        this.stats.staleServed++;
        return cached;
      }
      // 404 Not Found / 410 Gone: the stored copy no longer stands for anything (RFC 9111 §4.4 spirit).
      if (err instanceof MediaError && (err.status === 404 || err.status === 410) && entry) this.drop(entry);
      throw err;
    }
    const f = freshness(outcome.headers, this.clock.now(), this.heuristicTtlMs);

    if (outcome.status === 304 && cached && entry) {
      // RFC 9111 §4.3.4: freshen the stored response with the 304's headers; the processed media stays.
      this.stats.revalidations++;
      entry.freshUntil = f.freshUntil;
      entry.revalidateAlways = f.revalidateAlways;
      entry.etag = outcome.headers.etag ?? entry.etag;
      entry.lastModified = outcome.headers.lastModified ?? entry.lastModified;
      if (!f.storable) this.drop(entry);
      else this.touch(entry);
      this.persistIndex();
      return cached;
    }
    if (outcome.status !== 200) {
      throw new MediaError('http-status', `GET ${url} answered 304 without a cached copy`, { status: outcome.status, url });
    }
    const container = containerFor(outcome.headers.contentType, outcome.body, url);
    const media = await this.transcode(id, outcome.body, container, url);
    if (f.storable) {
      await this.insert(media, {
        id,
        key: url,
        kind: 'url',
        etag: outcome.headers.etag,
        lastModified: outcome.headers.lastModified,
        contentType: outcome.headers.contentType,
        freshUntil: f.freshUntil,
        revalidateAlways: f.revalidateAlways,
        bytes: media.byteSize,
      });
    } else {
      const stale = this.entries.get(id);
      if (stale) this.drop(stale);
    }
    return media;
  }

  private async loadSpeech(id: string, key: string, provider: TextToSpeechProvider, request: SpeechRequest): Promise<ProcessedMedia> {
    const entry = this.entries.get(id);
    if (entry) {
      const cached = await this.materialize(entry);
      if (cached) {
        this.stats.hits++;
        return cached;
      }
      this.drop(entry);
    }
    this.stats.misses++;
    const rendered = await provider.synthesize(request);
    const container: AudioContainer = rendered.contentType === 'audio/mpeg' ? 'mp3' : rendered.contentType === 'audio/ulaw' ? 'ulaw' : 'wav';
    const media = await this.transcode(id, rendered.audio, container, null);
    // A render is a pure function of its key: it never goes stale.
    await this.insert(media, {
      id, key, kind: 'tts', etag: null, lastModified: null, contentType: rendered.contentType,
      freshUntil: null, revalidateAlways: false, bytes: media.byteSize,
    });
    return media;
  }

  private async transcode(id: string, body: Buffer, container: AudioContainer, url: string | null): Promise<ProcessedMedia> {
    this.stats.transcodes++;
    try {
      const pcm = await decodeToTelephonyPcm(body, container);
      return ProcessedMedia.fromPcm(id, this.addressOf(id), pcm);
    } catch (err) {
      if (err instanceof AudioDecodeError) {
        const unsupported = err.reason.startsWith('unsupported-');
        throw new MediaError(unsupported ? 'unsupported-media' : 'corrupt-media', `${url ?? 'rendered speech'}: ${err.message}`, {
          status: url === null ? null : 200, url, cause: err,
        });
      }
      throw err;
    }
  }

  /** Load an entry's media from memory or disk; null when the file is missing or damaged. */
  private async materialize(entry: Entry): Promise<ProcessedMedia | null> {
    if (!entry.media) {
      entry.media = await this.store.read(entry.id, this.addressOf(entry.id));
      if (entry.media === null) return null;
    }
    this.touch(entry);
    return entry.media;
  }

  private async insert(media: ProcessedMedia, meta: StoredEntry): Promise<void> {
    const old = () => this.entries.get(meta.id);
    if (meta.bytes > this.maxBytes) {
      this.log.warn({ id: meta.id, bytes: meta.bytes }, 'media larger than the whole cache; played without caching');
      const o = old();
      if (o) this.drop(o);
      return;
    }
    try {
      await this.store.write(media);
    } catch (err) {
      // The cache is an optimisation: a full disk must not fail the call.
      this.log.warn({ id: meta.id, err }, 'could not store processed media');
      const o = old();
      if (o) this.drop(o);
      return;
    }
    // The file was just rewritten in place: forget the old entry without deleting the file.
    const o = old();
    if (o) this.drop(o, false);
    this.entries.set(meta.id, { ...meta, media });
    this.totalBytes += meta.bytes;
    this.evict(meta.id);
    this.persistIndex();
  }

  /** Mark as most recently used. The new order reaches the disk with the next index write, not on every play. */
  private touch(entry: Entry): void {
    this.entries.delete(entry.id);
    this.entries.set(entry.id, entry);
  }

  private drop(entry: Entry, removeFile = true): void {
    if (this.entries.get(entry.id) !== entry) return;
    this.entries.delete(entry.id);
    this.totalBytes -= entry.bytes;
    this.persistIndex();
    if (!removeFile) return;
    void this.store.remove(entry.id).catch((err: unknown) => this.log.warn({ id: entry.id, err }, 'could not remove media file'));
  }

  /** Evict least recently used entries until under the bound, never `keep` (the entry being inserted). */
  private evict(keep: string | null): void {
    for (const entry of this.entries.values()) {
      if (this.totalBytes <= this.maxBytes) break;
      if (entry.id === keep) continue;
      this.stats.evictions++;
      this.drop(entry);
    }
  }

  private persistIndex(): void {
    this.indexDirty = true;
    if (this.indexWrite) return;
    this.indexWrite = (async () => {
      while (this.indexDirty) {
        this.indexDirty = false;
        const entries: StoredEntry[] = [...this.entries.values()].map(({ media: _media, ...meta }) => meta);
        try {
          await this.store.writeIndex({ version: 1, entries });
        } catch (err) {
          this.log.warn({ err }, 'could not persist the media cache index');
        }
      }
      this.indexWrite = null;
    })();
  }
}

/** Reject when `signal` fires, without cancelling the shared work behind `p`. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('media request aborted', 'AbortError');
}

function speechKey(provider: string, r: Pick<SpeechRequest, 'text' | 'voice' | 'language'>): string {
  return ['tts', provider, r.voice ?? '', r.language ?? '', r.text].join('\n');
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
