export { MediaCache, type MediaCacheOptions, type MediaCacheStats } from './media-cache.js';
export { ProcessedMedia, type PayloadLaw } from './processed-media.js';
export { MediaError, type MediaErrorKind } from './media-error.js';
export { parseCacheControl, freshness, type CacheDirectives, type Freshness, type ResponseCacheHeaders } from './cache-policy.js';
export { containerFor } from './media-types.js';
export { MediaStore, type StoredEntry, type StoredIndex } from './media-store.js';
