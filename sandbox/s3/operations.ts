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

export function s3RequestOf(method: string, url: URL, headers: { readonly [name: string]: unknown }): S3Request {
  const [bucket, ...keyParts] = url.pathname.slice(1).split('/');
  if (bucket === '') return { operation: method === 'GET' ? 'ListBuckets' : `${method}Service` };
  const key = keyParts.length === 0 || (keyParts.length === 1 && keyParts[0] === '') ? undefined : keyParts.join('/');
  if (key === undefined) return { operation: bucketOperation(method, url.searchParams), bucket };
  return {
    operation: objectOperation(method, url.searchParams, 'x-amz-copy-source' in headers),
    bucket,
    key: decodeURIComponent(key),
  };
}
