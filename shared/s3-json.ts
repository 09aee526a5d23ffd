import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type * as z from 'zod';
import { awsCall, InputValidationError } from './errors';
import { parseOrThrow } from './validation';

export interface S3JsonObject {
  readonly bucket: string;
  readonly key: string;
  /** Read the object only if it still has this ETag; otherwise S3 answers PreconditionFailed. @default any version */
  readonly ifMatch?: string;
}

/** Reads a JSON object from S3 and validates it; `what` names the document in every error ("manifest"). */
export async function readJsonObject<S extends z.ZodType>(
  s3: S3Client,
  object: S3JsonObject,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  const resource = `s3://${object.bucket}/${object.key}`;
  const text = await awsCall({ action: 's3:GetObject', resource }, async () => {
    const response = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, IfMatch: object.ifMatch }));
    if (response.Body === undefined) throw new InputValidationError(`${what} ${resource} is empty`);
    return response.Body.transformToString();
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputValidationError(`${what} ${resource} is not JSON`, { cause: error });
  }
  return parseOrThrow(schema, json, `${what} ${resource}`);
}
