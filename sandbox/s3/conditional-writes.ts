import type { IncomingHttpHeaders } from 'node:http';
import type S3rver from 's3rver';
import { headerValue } from './aws-chunked';
import { S3RequestError } from './errors';
import type { ObjectName } from './stored-object';

/*
 * Conditional writes: a PutObject or CompleteMultipartUpload with `If-None-Match: *` creates the object only if
 * its key is free, and else fails with 412 PreconditionFailed; S3 checks during the write, and of several
 * conditional writes of one key the first to finish succeeds
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html; the header's model text,
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-complete-multipart-upload-request/if-none-match.html).
 * Here a key's conditional writes run one at a time, each from its check to s3rver's answer, so that two at once
 * cannot both find the key free. The sandbox has no If-Match.
 */

export class ConditionalWrites {
  /** Per key, the end of the last conditional write queued. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly store: S3rver['store']) {}

  /** Runs `write`, at once unless the request is conditional; if it is, only while the key is free. */
  async run<T>(headers: IncomingHttpHeaders, object: ObjectName, write: () => Promise<T>): Promise<T> {
    const condition = headerValue(headers, 'if-none-match');
    if (condition === undefined) return write();
    if (condition.trim() !== '*') throw new S3RequestError('NotImplemented', 501, 'The sandbox takes only If-None-Match: * on a write.');
    const name = JSON.stringify([object.bucket, object.key]);
    const before = this.queues.get(name) ?? Promise.resolve();
    let done = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const mine = before.then(() => finished);
    this.queues.set(name, mine);
    await before;
    try {
      if (await this.store.existsObject(object.bucket, object.key)) {
        throw new S3RequestError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
      }
      return await write();
    } finally {
      done();
      if (this.queues.get(name) === mine) this.queues.delete(name);
    }
  }
}
