/** The part of s3rver 3.7.1's API the sandbox uses; the package ships no types. */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';
  import type { Readable } from 'node:stream';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    /** Buckets named by the Host header; off, since the sandbox is path-style on 127.0.0.1. */
    vhostBuckets?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
  }

  interface FilesystemStore {
    readonly rootDirectory: string;
    /** `<directory>/<bucket>` */
    getBucketPath(bucket: string): string;
    /** `<directory>/<bucket>/<key dirs>/<last key part>._S3rver_<resource>` */
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    deleteObject(bucket: string, key: string): Promise<void>;
    /** null when there is no such bucket */
    getBucket(bucket: string): Promise<{ readonly name: string } | null>;
    existsObject(bucket: string, key: string): Promise<boolean>;
    /** Fails with ENOENT when there is no such object. */
    getMetadata(bucket: string, key: string): Promise<StoredMetadata>;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    putObject(object: { bucket: string; key: string; content: Buffer | Readable; metadata: Record<string, string> }): Promise<{ size: number; md5: string }>;
    /**
     * Copies the source's bytes, and its stored headers unless `replacementMetadata` (the request's headers, for a
     * REPLACE directive) is given; an object copied onto itself only gets the replacement headers. Fails with ENOENT
     * when there is no such source.
     */
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata: Record<string, string> | null,
    ): Promise<StoredMetadata>;
  }

  /** An object's headers as s3rver keeps them, plus what it reads from its files. */
  interface StoredMetadata {
    /** the MD5 in double quotes */
    readonly etag: string;
    /** an HTTP date */
    readonly 'last-modified': string;
    readonly 'content-length': number;
    readonly [header: string]: string | number;
  }

  class S3rver {
    constructor(options: S3rverOptions);
    readonly store: FilesystemStore;
    readonly httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }

  export = S3rver;
}

/** s3rver's object model: the request headers it stores with an object. */
declare module 's3rver/lib/models/object' {
  const S3Object: { readonly ALLOWED_METADATA: readonly string[] };
  export = S3Object;
}
