import * as z from 'zod';
import { ADX_ID_PATTERN, MAX_ASSETS_PER_IMPORT_JOB, MAX_REVISION_COMMENT_LENGTH } from '../../shared/limits';
import { NoticeType, SchemaChangeType } from '../../shared/schemas/exchange-event';
import { describeIssues } from '../../shared/validation';
import { invalid } from './errors';

/* The request bodies the emulator accepts, with ADX's documented constraints. Unknown members are ignored, as ADX does. */

export const AdxId = z.string().regex(ADX_ID_PATTERN, { message: 'must be 30 to 40 letters and digits' });

const Tags = z.record(z.string().min(1).max(128), z.string().max(256));
const Description = z.string().max(16_384);
const Comment = z.string().max(MAX_REVISION_COMMENT_LENGTH);
const DataSetName = z.string().min(1).max(256);

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
  Name: DataSetName,
  Tags: Tags.optional(),
});

export const CreateRevisionBody = z.object({ Comment: Comment.optional(), Tags: Tags.optional() });

export const UpdateRevisionBody = z.object({ Comment: Comment.optional(), Finalized: z.boolean().optional() });

/** https://docs.aws.amazon.com/data-exchange/latest/apireference/API_RevokeRevision.html: 10 to 512 characters, required. */
export const RevokeRevisionBody = z.object({ RevocationComment: z.string().min(10).max(512) });

/** https://docs.aws.amazon.com/data-exchange/latest/apireference/API_UpdateDataSet.html */
export const UpdateDataSetBody = z.object({ Description: Description.optional(), Name: DataSetName.optional() });

/**
 * https://docs.aws.amazon.com/data-exchange/latest/apireference/API_UpdateAsset.html: Name is required and its model
 * gives it no bounds; the sandbox assumes an S3 object key's, 1 to 1024 characters, since an S3 snapshot asset is
 * named after its key and an export writes it under that name.
 */
export const UpdateAssetBody = z.object({ Name: z.string().min(1).max(1024) });

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

const EventActionAction = z.object({
  ExportRevisionToS3: z.object({
    Encryption: Encryption.optional(),
    RevisionDestination: z.object({ Bucket, KeyPattern: KeyPattern.optional() }),
  }),
});

export const CreateEventActionBody = z.object({
  Action: EventActionAction,
  Event: z.object({ RevisionPublished: z.object({ DataSetId: AdxId }) }),
  Tags: Tags.optional(),
});

/**
 * https://docs.aws.amazon.com/data-exchange/latest/apireference/API_UpdateEventAction.html: Action is optional; the
 * event an action answers to cannot change.
 */
export const UpdateEventActionBody = z.object({ Action: EventActionAction.optional() });

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

const Timestamp = z.iso.datetime({ offset: true });

/**
 * SendDataSetNotification's body, member for member as
 * https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SendDataSetNotification.html and its shapes
 * (NotificationDetails, SchemaChangeDetails, ScopeDetails) bound them: a ClientToken of 1 to 64 printable ASCII
 * characters, a Comment of at most 4096, at most 100 schema changes, each a Name of at most 255 characters and a
 * Description of at most 512. The SDK fills ClientToken in when the caller gives none.
 */
export const SendDataSetNotificationBody = z.object({
  ClientToken: z.string().regex(/^[\x21-\x7E]{1,64}$/, { message: 'must be 1 to 64 printable ASCII characters' }).optional(),
  Comment: z.string().max(4096).optional(),
  Details: z
    .object({
      DataUpdate: z.object({ DataUpdatedAt: Timestamp.optional() }).optional(),
      Deprecation: z.object({ DeprecationAt: Timestamp }).optional(),
      SchemaChange: z
        .object({
          Changes: z
            .array(z.object({ Description: z.string().max(512).optional(), Name: z.string().min(1).max(255), Type: SchemaChangeType }))
            .max(100)
            .optional(),
          SchemaChangeAt: Timestamp,
        })
        .optional(),
    })
    .optional(),
  Scope: z
    .object({
      LakeFormationTagPolicies: z.array(z.object({ Database: z.string().optional(), Table: z.string().optional() })).optional(),
      RedshiftDataShares: z
        .array(
          z.object({
            Arn: z.string().min(1),
            Database: z.string().min(1),
            Function: z.string().optional(),
            Schema: z.string().optional(),
            Table: z.string().optional(),
            View: z.string().optional(),
          }),
        )
        .optional(),
      S3DataAccesses: z.array(z.object({ KeyPrefixes: z.array(z.string()).optional(), Keys: z.array(z.string()).optional() })).optional(),
    })
    .optional(),
  Type: NoticeType,
});
export type SendDataSetNotificationBody = z.infer<typeof SendDataSetNotificationBody>;

export const TagResourceBody = z.object({ tags: Tags });

/** Parses a request part, or throws ValidationException naming every bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, operation: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(`Invalid ${operation} request: ${describeIssues(result.error)}`);
  return result.data;
}
