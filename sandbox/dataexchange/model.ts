import { randomBytes } from 'node:crypto';
import { SANDBOX_REGION } from '../accounts';

/*
 * The emulator's records. Their members carry ADX's own names and wire forms (ISO-8601 strings), so a record is
 * its API view, give or take the tags (kept by ARN, since TagResource addresses resources by ARN) and a job's
 * injected outcome.
 */

export type Tags = Record<string, string>;
export type Origin = 'OWNED' | 'ENTITLED';
export type JobState = 'WAITING' | 'IN_PROGRESS' | 'COMPLETED' | 'ERROR' | 'CANCELLED' | 'TIMED_OUT';

export interface DataSetRecord {
  Arn: string;
  AssetType: string;
  CreatedAt: string;
  Description: string;
  Id: string;
  Name: string;
  Origin: Origin;
  /** An entitled data set's origin: the grant that gave it. */
  OriginDetails?: { DataGrantId: string };
  UpdatedAt: string;
}

/**
 * What links an entitled data set to its source. The receiver sees the source's finalized revisions and their
 * assets through it, as they are in the provider's account: a shared view, not a copy.
 */
export interface EntitlementRecord {
  DataGrantId: string;
  DataSetId: string;
  ProviderAccountId: string;
  SourceDataSetId: string;
}

export interface RevisionRecord {
  Arn: string;
  Comment?: string;
  CreatedAt: string;
  DataSetId: string;
  Finalized: boolean;
  Id: string;
  /** Set by RevokeRevision, with RevokedAt; a revoked revision stays finalized. */
  RevocationComment?: string;
  Revoked: boolean;
  RevokedAt?: string;
  UpdatedAt: string;
}

export interface AssetRecord {
  Arn: string;
  AssetDetails: { S3SnapshotAsset: { Size: number } };
  AssetType: 'S3_SNAPSHOT';
  CreatedAt: string;
  DataSetId: string;
  Id: string;
  Name: string;
  RevisionId: string;
  UpdatedAt: string;
}

export interface AssetSource {
  Bucket: string;
  Key: string;
}

export interface JobError {
  Code: string;
  Message: string;
  Details?: { ImportAssetsFromS3JobErrorDetails: AssetSource[] };
  LimitName?: string;
  LimitValue?: number;
  ResourceId?: string;
  ResourceType?: 'ASSET' | 'REVISION' | 'DATA_SET';
}

export interface ImportDetails {
  AssetSources: AssetSource[];
  DataSetId: string;
  RevisionId: string;
}

export interface ExportEncryption {
  KmsKeyArn?: string;
  Type: 'aws:kms' | 'AES256';
}

export interface RevisionDestination {
  Bucket: string;
  KeyPattern?: string;
  RevisionId: string;
}

export interface ExportDetails {
  DataSetId: string;
  Encryption?: ExportEncryption;
  /** Set when an event action started the job. */
  EventActionArn?: string;
  RevisionDestinations: RevisionDestination[];
}

export type ForcedOutcome = 'ERROR' | 'STUCK';

interface JobFields {
  Arn: string;
  CreatedAt: string;
  Errors: JobError[];
  Id: string;
  State: JobState;
  UpdatedAt: string;
  /** What the fault plan forced on this job when it started; a restart, which has no plan, clears it. */
  forcedOutcome?: ForcedOutcome;
}

export interface ImportJobRecord extends JobFields {
  Details: { ImportAssetsFromS3: ImportDetails };
  Type: 'IMPORT_ASSETS_FROM_S3';
}

export interface ExportJobRecord extends JobFields {
  Details: { ExportRevisionsToS3: ExportDetails };
  Type: 'EXPORT_REVISIONS_TO_S3';
}

export type JobRecord = ImportJobRecord | ExportJobRecord;

export interface EventActionRecord {
  Action: { ExportRevisionToS3: { Encryption?: ExportEncryption; RevisionDestination: { Bucket: string; KeyPattern?: string } } };
  Arn: string;
  CreatedAt: string;
  Event: { RevisionPublished: { DataSetId: string } };
  Id: string;
  UpdatedAt: string;
}

export interface DataGrantRecord {
  AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE' | 'ACCEPTED';
  AcceptedAt?: string;
  Arn: string;
  CreatedAt: string;
  DataSetId: string;
  Description?: string;
  EndsAt?: string;
  GrantDistributionScope: 'NONE' | 'AWS_ORGANIZATION';
  Id: string;
  Name: string;
  ReceiverPrincipal: string;
  SenderPrincipal: string;
  SourceDataSetId: string;
  UpdatedAt: string;
}

/** 32 lowercase hex characters, like every id ADX hands out. */
export const newId = (): string => randomBytes(16).toString('hex');

export const now = (): string => new Date().toISOString();

/** ARNs of one account's resources. */
export function arns(accountId: string) {
  const base = `arn:aws:dataexchange:${SANDBOX_REGION}:${accountId}`;
  return {
    dataSet: (dataSetId: string) => `${base}:data-sets/${dataSetId}`,
    revision: (dataSetId: string, revisionId: string) => `${base}:data-sets/${dataSetId}/revisions/${revisionId}`,
    asset: (dataSetId: string, revisionId: string, assetId: string) =>
      `${base}:data-sets/${dataSetId}/revisions/${revisionId}/assets/${assetId}`,
    job: (jobId: string) => `${base}:jobs/${jobId}`,
    dataGrant: (grantId: string) => `${base}:data-grants/${grantId}`,
    eventAction: (eventActionId: string) => `${base}:event-actions/${eventActionId}`,
  };
}

export type Arns = ReturnType<typeof arns>;
