import * as z from 'zod';
import { ADX_ID_PATTERN, MAX_ASSETS_PER_IMPORT_JOB, MAX_REVISION_COMMENT_LENGTH } from '../../shared/limits';
import { describeIssues } from '../../shared/validation';
import { invalid } from './errors';

/* The request bodies the emulator accepts, with ADX's documented constraints. Unknown members are ignored, as ADX does. */

export const AdxId = z.string().regex(ADX_ID_PATTERN, { message: 'must be 30 to 40 letters and digits' });

const Tags = z.record(z.string().min(1).max(128), z.string().max(256));
const Description = z.string().max(16_384);
const Comment = z.string().max(MAX_REVISION_COMMENT_LENGTH);

export const ASSET_TYPES = [
  'S3_SNAPSHOT',
  'REDSHIFT_DATA_SHARE',
  'API_GATEWAY_API',
  'S3_DATA_ACCESS',
  'LAKE_FORMATION_DATA_PERMISSION',
] as const;

export const JOB_TYPES = [
  'IMPORT_ASSETS_FROM_S3',
  'IMPORT_ASSET_FROM_SIGNED_URL',
  'EXPORT_ASSETS_TO_S3',
  'EXPORT_ASSET_TO_SIGNED_URL',
  'EXPORT_REVISIONS_TO_S3',
  'IMPORT_ASSETS_FROM_REDSHIFT_DATA_SHARES',
  'IMPORT_ASSET_FROM_API_GATEWAY_API',
  'CREATE_S3_DATA_ACCESS_FROM_S3_BUCKET',
  'IMPORT_ASSETS_FROM_LAKE_FORMATION_TAG_POLICY',
] as const;

export const CreateDataSetBody = z.object({
  AssetType: z.enum(ASSET_TYPES),
  Description,
  Name: z.string().min(1).max(256),
  Tags: Tags.optional(),
});

export const CreateRevisionBody = z.object({ Comment: Comment.optional(), Tags: Tags.optional() });

export const UpdateRevisionBody = z.object({ Comment: Comment.optional(), Finalized: z.boolean().optional() });

/** Only the job type is read first, so that a type the sandbox does not run is refused by name. */
export const CreateJobType = z.object({ Type: z.enum(JOB_TYPES) });

export const CreateImportJobBody = z.object({
  Type: z.literal('IMPORT_ASSETS_FROM_S3'),
  Details: z.object({
    ImportAssetsFromS3: z.object({
      DataSetId: AdxId,
      RevisionId: AdxId,
      AssetSources: z
        .array(z.object({ Bucket: z.string().min(1).max(63), Key: z.string().min(1).max(1024) }))
        .min(1)
        .max(MAX_ASSETS_PER_IMPORT_JOB, { message: `at most ${MAX_ASSETS_PER_IMPORT_JOB} asset sources per import job` }),
    }),
  }),
});

const Bucket = z.string().min(1).max(63);
const KeyPattern = z.string().min(1).max(1024);
const Encryption = z.object({ KmsKeyArn: z.string().optional(), Type: z.enum(['aws:kms', 'AES256']) });

export const CreateExportJobBody = z.object({
  Type: z.literal('EXPORT_REVISIONS_TO_S3'),
  Details: z.object({
    ExportRevisionsToS3: z.object({
      DataSetId: AdxId,
      Encryption: Encryption.optional(),
      RevisionDestinations: z.array(z.object({ Bucket, KeyPattern: KeyPattern.optional(), RevisionId: AdxId })).min(1),
    }),
  }),
});

export const CreateEventActionBody = z.object({
  Action: z.object({
    ExportRevisionToS3: z.object({
      Encryption: Encryption.optional(),
      RevisionDestination: z.object({ Bucket, KeyPattern: KeyPattern.optional() }),
    }),
  }),
  Event: z.object({ RevisionPublished: z.object({ DataSetId: AdxId }) }),
  Tags: Tags.optional(),
});

export const ACCEPTANCE_STATES = ['PENDING_RECEIVER_ACCEPTANCE', 'ACCEPTED'] as const;

export const CreateDataGrantBody = z.object({
  Name: z.string().min(1).max(256),
  GrantDistributionScope: z.enum(['NONE', 'AWS_ORGANIZATION']),
  ReceiverPrincipal: z.string().regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' }),
  SourceDataSetId: AdxId,
  EndsAt: z.iso.datetime({ offset: true }).optional(),
  Description: Description.optional(),
  Tags: Tags.optional(),
});

export const TagResourceBody = z.object({ tags: Tags });

/** Parses a request part, or throws ValidationException naming every bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, operation: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(`Invalid ${operation} request: ${describeIssues(result.error)}`);
  return result.data;
}
