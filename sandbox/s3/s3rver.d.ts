/** The part of s3rver 3.7.1's API the sandbox uses; the package ships no types. */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';

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
