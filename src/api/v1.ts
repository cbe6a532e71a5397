import type { Page } from '../store/index.js';
import type { Form } from './form.js';
import { type ListRequest, pageLink } from './paging.js';

/**
 * Conventions of Twilio's newer APIs (Voice v1 and the like), which differ from 2010-04-01: ISO 8601 dates,
 * absolute `url`s, and a `meta` object instead of the flat paging fields (see `twilio_voice_v1.json`).
 */
export const V1_PREFIX = '/v1';

/** `2020-03-18T23:31:36Z`: ISO 8601 in UTC to the second, as the spec's examples show. */
export function iso8601(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The v1 list envelope: the items under `key` and `meta` with `page`, `page_size`, `first_page_url`,
 * `previous_page_url`, `url`, `next_page_url` (absolute, under `publicUrl`) and `key`. Filters are carried into
 * every page URL; the official clients follow `meta.next_page_url` as it is.
 */
export function v1ListEnvelope<T>(
  key: string,
  publicUrl: string,
  path: string,
  query: Form,
  request: ListRequest,
  result: Page<T>,
  serialize: (item: T) => object,
): Record<string, unknown> {
  const link = pageLink(path, query, request);
  const pageUrl = (page: number, token?: string) => `${publicUrl}${link(page, token)}`;
  return {
    [key]: result.items.map(serialize),
    meta: {
      page: request.page,
      page_size: request.pageSize,
      first_page_url: pageUrl(0),
      previous_page_url: result.previousToken ? pageUrl(Math.max(0, request.page - 1), result.previousToken) : null,
      url: pageUrl(request.page, request.pageToken),
      next_page_url: result.nextToken ? pageUrl(request.page + 1, result.nextToken) : null,
      key,
    },
  };
}
