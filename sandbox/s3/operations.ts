import { S3RequestError } from './errors';

/*
 * Names each path-style S3 request by its API operation, the way a fault plan names it (PutObject, UploadPart,
 * ListObjectsV2, ...). The sandbox is on 127.0.0.1, where SDKs never use virtual-hosted bucket names.
 */

export interface S3Request {
  readonly operation: string;
  readonly bucket?: string;
  readonly key?: string;
}

/** Sub-resources whose operation name is the verb plus `Bucket`/`Object` plus the capitalized sub-resource. */
const SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'retention',
  'tagging',
  'torrent',
  'versioning',
  'website',
];

const VERBS: Readonly<Record<string, string>> = { GET: 'Get', HEAD: 'Head', PUT: 'Put', DELETE: 'Delete', POST: 'Post' };

function subresourceOperation(method: string, target: 'Bucket' | 'Object', query: URLSearchParams): string | undefined {
  const subresource = SUBRESOURCES.find((name) => query.has(name));
  if (subresource === undefined) return undefined;
  const suffix = subresource
    .split('-')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return `${VERBS[method] ?? method}${target}${suffix}`;
}

function bucketOperation(method: string, query: URLSearchParams): string {
  if (method === 'GET') {
    if (query.get('list-type') === '2') return 'ListObjectsV2';
    if (query.has('uploads')) return 'ListMultipartUploads';
    if (query.has('versions')) return 'ListObjectVersions';
  }
  if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
  const named = subresourceOperation(method, 'Bucket', query);
  if (named !== undefined) return named;
  const plain: Readonly<Record<string, string>> = {
    GET: 'ListObjects',
    HEAD: 'HeadBucket',
    PUT: 'CreateBucket',
    DELETE: 'DeleteBucket',
    POST: 'PostObject',
  };
  return plain[method] ?? `${method}Bucket`;
}

function objectOperation(method: string, query: URLSearchParams, copySource: boolean): string {
  const upload = query.has('uploadId');
  switch (method) {
    case 'PUT':
      if (upload) return copySource ? 'UploadPartCopy' : 'UploadPart';
      return subresourceOperation(method, 'Object', query) ?? (copySource ? 'CopyObject' : 'PutObject');
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (upload) return 'CompleteMultipartUpload';
      if (query.has('restore')) return 'RestoreObject';
      if (query.has('select')) return 'SelectObjectContent';
      return 'PostObject';
    case 'DELETE':
      if (upload) return 'AbortMultipartUpload';
      return subresourceOperation(method, 'Object', query) ?? 'DeleteObject';
    case 'GET':
      if (upload) return 'ListParts';
      if (query.has('attributes')) return 'GetObjectAttributes';
      return subresourceOperation(method, 'Object', query) ?? 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      return `${method}Object`;
  }
}

/**
 * S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a
 * letter or digit, no two dots together (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 * Checked on every request, since s3rver makes the name a folder: `..` or `%2e%2e` would name one outside the sandbox.
 */
const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) throw new S3RequestError('InvalidBucketName', 400, 'The specified bucket is not valid.');
}

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html */
const MAX_KEY_BYTES = 1024;

/** A key as the request line or x-amz-copy-source carries it, URL-encoded; a key S3 would refuse is refused. */
export function decodedKey(encoded: string): string {
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    throw new S3RequestError('InvalidURI', 400, "Couldn't parse the specified URI.");
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new S3RequestError('KeyTooLongError', 400, 'Your key is too long');
  return key;
}

/**
 * The request's operation, bucket and key; a bucket name or key S3 would refuse is refused as S3 refuses it.
 * `requestTarget` is the request line's target as sent: S3 takes the key literally, where a URL parser would
 * resolve `.` and `..` segments (`%2e%2e` among them) into another key.
 */
export function s3RequestOf(method: string, requestTarget: string, headers: { readonly [name: string]: unknown }): S3Request {
  const [rawPath, search = ''] = requestTarget.split(/\?(.*)/s);
  const query = new URLSearchParams(search);
  const [bucket, ...keyParts] = rawPath.slice(1).split('/');
  if (bucket === '') return { operation: method === 'GET' ? 'ListBuckets' : `${method}Service` };
  checkBucketName(bucket);
  const key = keyParts.length === 0 || (keyParts.length === 1 && keyParts[0] === '') ? undefined : keyParts.join('/');
  if (key === undefined) return { operation: bucketOperation(method, query), bucket };
  return {
    operation: objectOperation(method, query, 'x-amz-copy-source' in headers),
    bucket,
    key: decodedKey(key),
  };
}
