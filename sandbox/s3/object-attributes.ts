import { S3RequestError } from './errors';
import type { StoredObject } from './stored-object';
import { s3XmlDocument } from './xml';

/*
 * GetObjectAttributes answers with the attributes x-amz-object-attributes names, and none of the object's bytes
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html). The sandbox keeps no checksums
 * and no part list, so Checksum and ObjectParts are left out, as S3 leaves them out for an object without them.
 */

/** In the order of the response syntax. */
const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];

/** The GetObjectAttributesResponse document for `object`, of the attributes named in `requested`. */
export function objectAttributesXml(requested: string | undefined, object: StoredObject): string {
  const names = (requested ?? '').split(',').map((name) => name.trim());
  if (names.some((name) => !ATTRIBUTES.includes(name))) {
    throw new S3RequestError('InvalidArgument', 400, `x-amz-object-attributes must name one or more of ${ATTRIBUTES.join(', ')}.`);
  }
  const values: Readonly<Record<string, string>> = {
    // Unquoted, unlike the ETag header: S3 answers this element without quotes (see versity/versitygw#1114,
    // which matched its gateway to S3's answers).
    ETag: object.etag,
    // The sandbox has one storage class.
    StorageClass: 'STANDARD',
    ObjectSize: String(object.size),
  };
  return s3XmlDocument('GetObjectAttributesResponse', Object.fromEntries(ATTRIBUTES.filter((name) => names.includes(name) && name in values).map((name) => [name, values[name]])));
}
