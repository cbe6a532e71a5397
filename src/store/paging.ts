import { type SelectQueryBuilder, sql } from 'kysely';

/** A page request as the REST layer hands it down: size and the opaque token of the page asked for. */
export interface PageRequest {
  pageSize: number;
  pageToken?: string;
}

export interface Page<T> {
  items: T[];
  /** Token of the page after this one, or null on the last page. */
  nextToken: string | null;
  /** Token of the page before this one, or null on the first page. */
  previousToken: string | null;
}

export type SortOrder = 'asc' | 'desc';

interface Cursor {
  direction: 'after' | 'before';
  time: number;
  sid: string;
}

/**
 * Keyset paging over (time column, sid): stable under concurrent inserts and O(page) at any depth, unlike OFFSET.
 * Tokens look like Twilio's (`PA…` next, `PB…` previous) and are opaque to clients.
 */
export function encodeCursor(cursor: Cursor): string {
  const prefix = cursor.direction === 'after' ? 'PA' : 'PB';
  return prefix + Buffer.from(`${cursor.time}:${cursor.sid}`).toString('base64url');
}

export function decodeCursor(token: string): Cursor | undefined {
  const direction = token.startsWith('PA') ? 'after' : token.startsWith('PB') ? 'before' : undefined;
  if (!direction) return undefined;
  const text = Buffer.from(token.slice(2), 'base64url').toString('utf8');
  const match = /^(\d{1,16}):([A-Za-z0-9]{1,64})$/.exec(text);
  if (!match) return undefined;
  return { direction, time: Number(match[1]), sid: match[2] };
}

export class InvalidPageTokenError extends Error {
  constructor() {
    super('The PageToken is invalid');
    this.name = 'InvalidPageTokenError';
  }
}

type Row = { sid: string } & Record<string, unknown>;

// The builder's table set varies per repository; paging only needs the two ordering columns.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySelect<O> = SelectQueryBuilder<any, any, O>;

export async function keysetPage<O extends Row>(
  query: AnySelect<O>,
  request: PageRequest,
  options: { timeColumn: string; order: SortOrder },
): Promise<Page<O>> {
  const cursor = request.pageToken ? decodeCursor(request.pageToken) : undefined;
  if (request.pageToken && !cursor) throw new InvalidPageTokenError();
  const time = sql.ref(options.timeColumn);
  // Walking backwards means reading in the opposite order, then flipping the page.
  const backwards = cursor?.direction === 'before';
  const ascending = (options.order === 'asc') !== backwards;
  let q = query;
  if (cursor) {
    const op = sql.raw(ascending ? '>' : '<');
    q = q.where(sql<boolean>`(${time} ${op} ${cursor.time} or (${time} = ${cursor.time} and sid ${op} ${cursor.sid}))`);
  }
  const dir = ascending ? 'asc' : 'desc';
  const rows = (await q.orderBy(sql`${time} ${sql.raw(dir)}`).orderBy(sql`sid ${sql.raw(dir)}`).limit(request.pageSize + 1).execute()) as O[];
  const more = rows.length > request.pageSize;
  const items = rows.slice(0, request.pageSize);
  if (backwards) items.reverse();
  const timeOf = (row: O) => Number(row[options.timeColumn]);
  const first = items[0];
  const last = items[items.length - 1];
  const hasNext = backwards ? cursor !== undefined : more;
  const hasPrevious = backwards ? more : cursor !== undefined;
  return {
    items,
    nextToken: hasNext && last ? encodeCursor({ direction: 'after', time: timeOf(last), sid: last.sid }) : null,
    previousToken: hasPrevious && first ? encodeCursor({ direction: 'before', time: timeOf(first), sid: first.sid }) : null,
  };
}
