import { ErrorCode, invalidParameter } from '../core/index.js';
import type { Page, PageRequest } from '../store/index.js';
import type { Form } from './form.js';

export interface ListRequest extends PageRequest {
  page: number;
}

const PAGING = new Set(['Page', 'PageSize', 'PageToken']);

/** `PageSize` (default 50, 1–1000), `Page` (informational index) and `PageToken` (opaque, server-issued). */
export function readListRequest(query: Form): ListRequest {
  const first = (k: string) => {
    const v = query[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const sizeText = first('PageSize');
  const pageText = first('Page');
  const pageSize = sizeText === undefined ? 50 : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw invalidParameter(ErrorCode.InvalidParameter, `PageSize must be an integer between 1 and 1000, not '${sizeText}'`);
  }
  const page = pageText === undefined ? 0 : Number(pageText);
  if (!Number.isInteger(page) || page < 0) {
    throw invalidParameter(ErrorCode.InvalidParameter, `Page must be a non-negative integer, not '${pageText}'`);
  }
  const pageToken = first('PageToken');
  return { pageSize, page, pageToken: pageToken === '' ? undefined : pageToken };
}

/**
 * The link to one page of a list: the request's filters carried over, then `PageSize`, `Page` and the page's token.
 * Shared by the 2010-04-01 envelope (relative URIs) and the v1 `meta` envelope (absolute URLs).
 */
export function pageLink(path: string, query: Form, request: ListRequest): (page: number, token?: string) => string {
  const filters = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (PAGING.has(k)) continue;
    for (const value of Array.isArray(v) ? v : [v]) filters.append(k, value);
  }
  return (page, token) => {
    const q = new URLSearchParams(filters);
    q.set('PageSize', String(request.pageSize));
    q.set('Page', String(page));
    if (token) q.set('PageToken', token);
    return `${path}?${q.toString()}`;
  };
}

/** The response schema of `listEnvelope` with its items under `key`, so that Fastify serializes a page with it. */
export function listSchema(key: string, item: object): object {
  const uri = { type: 'string' };
  const optionalUri = { type: 'string', nullable: true };
  const index = { type: 'integer' };
  return {
    type: 'object',
    properties: {
      [key]: { type: 'array', items: item },
      first_page_uri: uri, end: index, previous_page_uri: optionalUri, uri, page_size: index, start: index,
      next_page_uri: optionalUri, page: index,
    },
  };
}

/**
 * The 2010-04-01 list envelope: the items under `key` plus `uri`, `first_page_uri`, `next_page_uri`,
 * `previous_page_uri`, `page`, `page_size`, `start` and `end`. Filters are carried into every page URI.
 */
export function listEnvelope<T>(
  key: string,
  path: string,
  query: Form,
  request: ListRequest,
  result: Page<T>,
  serialize: (item: T) => object,
): Record<string, unknown> {
  const pageUri = pageLink(path, query, request);
  const start = request.page * request.pageSize;
  return {
    [key]: result.items.map(serialize),
    first_page_uri: pageUri(0),
    end: result.items.length === 0 ? start : start + result.items.length - 1,
    previous_page_uri: result.previousToken ? pageUri(Math.max(0, request.page - 1), result.previousToken) : null,
    uri: pageUri(request.page, request.pageToken),
    page_size: request.pageSize,
    start,
    next_page_uri: result.nextToken ? pageUri(request.page + 1, result.nextToken) : null,
    page: request.page,
  };
}
