import { escapeXml } from './errors';

/*
 * s3rver 3.7.1 makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) no longer has:
 * every truncated V2 listing fails with InternalError. So a V2 listing goes to s3rver as a V1 listing from a
 * marker, and its answer is turned back into V2's shape, with a token of our own: the last key, base64url.
 */

function decodeXmlText(text: string): string {
  const named: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(?:#x([0-9a-fA-F]+)|#(\d+)|(\w+));/g, (entity, hex?: string, decimal?: string, name?: string) => {
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (decimal !== undefined) return String.fromCodePoint(Number(decimal));
    return named[name ?? ''] ?? entity;
  });
}

const tokenOf = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

/** The V1 request path for a V2 listing; `null` when the continuation token is not one of ours. */
export function asListObjectsV1(url: URL): string | null {
  const v2 = url.searchParams;
  const v1 = new URLSearchParams();
  for (const name of ['prefix', 'delimiter', 'max-keys', 'encoding-type']) {
    const value = v2.get(name);
    if (value !== null) v1.set(name, value);
  }
  const token = v2.get('continuation-token');
  if (token !== null) {
    const key = Buffer.from(token, 'base64url').toString('utf8');
    if (key === '' || tokenOf(key) !== token) return null;
    v1.set('marker', key);
  } else if (v2.has('start-after')) {
    v1.set('marker', v2.get('start-after') ?? '');
  }
  return `${url.pathname}?${v1.toString()}`;
}

/** Turns s3rver's V1 `<ListBucketResult>` into the V2 answer to the request `url`. */
export function asListObjectsV2Result(v1Xml: string, url: URL): string {
  const query = url.searchParams;
  const keys = [...v1Xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map(([, key]) => key);
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(v1Xml);
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  const v2Fields = [
    token === null && startAfter !== null ? `<StartAfter>${escapeXml(startAfter)}</StartAfter>` : '',
    token === null ? '' : `<ContinuationToken>${token}</ContinuationToken>`,
    truncated && keys.length > 0 ? `<NextContinuationToken>${tokenOf(decodeXmlText(keys[keys.length - 1]))}</NextContinuationToken>` : '',
    `<KeyCount>${keys.length}</KeyCount>`,
  ].join('');
  const withoutOwner = query.get('fetch-owner') === 'true' ? v1Xml : v1Xml.replace(/<Owner>[\s\S]*?<\/Owner>/g, '');
  return withoutOwner
    .replace(/<Marker>[^<]*<\/Marker>|<NextMarker>[^<]*<\/NextMarker>/g, '')
    .replace(/(<Prefix>[^<]*<\/Prefix>)/, `$1${v2Fields}`);
}
