import { invalid } from './errors';

/*
 * ADX's list pagination: `maxResults` (1 to 200) and an opaque `nextToken`. A token names the list it belongs to
 * and a cursor that items added later cannot shift, so paging while imports land neither skips nor repeats.
 */

const MAX_RESULTS = 200;
/** ADX documents no default page size; this one keeps pages small enough to read. */
const DEFAULT_MAX_RESULTS = 50;

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

interface Cursor {
  readonly scope: string;
  readonly after: number | string[];
}

function maxResults(query: URLSearchParams): number {
  const raw = query.get('maxResults');
  if (raw === null) return DEFAULT_MAX_RESULTS;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= MAX_RESULTS)) throw invalid(`maxResults must be a whole number from 1 to ${MAX_RESULTS}, not "${raw}".`);
  return value;
}

const encode = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decode(query: URLSearchParams, scope: string): Cursor['after'] | undefined {
  const token = query.get('nextToken');
  if (token === null) return undefined;
  let cursor: Partial<Cursor> | undefined;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    cursor = undefined;
  }
  if (cursor?.scope !== scope || cursor.after === undefined) throw invalid('nextToken is not a token this list returned.');
  return cursor.after;
}

/** An append-only list, newest first; the cursor is the storage index of the next (older) item. */
export function newestFirst<T>(items: readonly T[], query: URLSearchParams, scope: string): Page<T> {
  const limit = maxResults(query);
  const after = decode(query, scope);
  if (after !== undefined && !(typeof after === 'number' && Number.isInteger(after) && after >= 0 && after < items.length)) {
    throw invalid('nextToken is not a token this list returned.');
  }
  const start = after ?? items.length - 1;
  const end = Math.max(start - limit, -1);
  const page: T[] = [];
  for (let index = start; index > end; index -= 1) page.push(items[index]);
  return { items: page, nextToken: end >= 0 ? encode({ scope, after: end }) : undefined };
}

/**
 * A list kept sorted by `compare` over unique keys; the cursor is the last key returned, and the next page
 * starts at the first item after it.
 */
export function afterKey<T>(
  items: readonly T[],
  query: URLSearchParams,
  scope: string,
  order: { readonly keyOf: (item: T) => string[]; readonly compare: (a: string[], b: string[]) => number },
): Page<T> {
  const limit = maxResults(query);
  const after = decode(query, scope);
  if (after !== undefined && !(Array.isArray(after) && after.every((part) => typeof part === 'string'))) {
    throw invalid('nextToken is not a token this list returned.');
  }
  const start = after === undefined ? 0 : firstAfter(items, after, order);
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: page, nextToken: more ? encode({ scope, after: order.keyOf(page[page.length - 1]) }) : undefined };
}

/** Binary search: the index of the first item that sorts after `key`. */
export function firstAfter<T>(
  items: readonly T[],
  key: string[],
  order: { readonly keyOf: (item: T) => string[]; readonly compare: (a: string[], b: string[]) => number },
): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order.compare(order.keyOf(items[middle]), key) > 0) high = middle;
    else low = middle + 1;
  }
  return low;
}
