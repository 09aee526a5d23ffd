import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NOTIFICATION_RECORD_PREFIX } from '../../shared/notifications';
import { acknowledgeWildcardResources } from './nag';
import { ConfigurationError } from '../configuration-error';

/** Where PlanRevision writes each run's plan and batch files (shared/manifest.ts `planKeyFor`, `batchKeyFor`). */
export const MANIFEST_PREFIX = 'manifests/';

/**
 * What the app itself writes and never imports again once its run is done: generated sample data
 * (tasks/plan-revision: `generated/<runId>/...`) and run plans (shared/manifest.ts: `manifests/runs/<runId>/...`).
 * A provider's own sources (an `s3Prefix`, a manifest under manifests/incoming/ and the keys it lists) are not here:
 * ADX cannot import an object from Glacier, so they must stay importable unless the provider says otherwise.
 */
export const APP_WRITTEN_PREFIXES = ['generated/', 'manifests/runs/'] as const;

/**
 * RedriveExecution restarts an execution that "didn't complete successfully in the last 14 days"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html), and each redrive that
 * fails again is a new status change: a notification record must outlive every redrive of its execution, or a late
 * duplicate of an event would find no record and announce the same attempt twice.
 */
const REDRIVE_WINDOW_DAYS = 14;

export interface DataBucketProps {
  /**
   * A bucket of the provider's own to stage assets and manifests in, instead of a new one. This construct then creates
   * nothing: the bucket's encryption, logging and lifecycle stay its owner's, and every other prop is ignored.
   * @default a new bucket, with a second one for its server access logs
   */
  readonly existingBucket?: s3.IBucket;
  /** The data bucket's name, before `-<account>-<region>`. @default 'dx-flow-data' */
  readonly namePrefix?: string;
  /**
   * Keep the buckets and their objects when the stack is destroyed, as production data must be.
   * @default false: the buckets and every object in them are deleted with the stack
   */
  readonly retainOnDelete?: boolean;
  /**
   * The key prefixes whose objects move to Infrequent Access and then Glacier, one lifecycle rule each. An object in
   * Glacier cannot be read until it is restored, so name only what nothing reads again.
   * @default every object in the bucket
   */
  readonly tieredPrefixes?: readonly string[];
  /** @default 30 */
  readonly infrequentAccessAfterDays?: number;
  /** @default 90 */
  readonly glacierAfterDays?: number;
  /**
   * Moves every object, whatever its prefix, to Glacier this many days after it was written: a provider's opt-in to
   * tiering their own import sources, which ADX can no longer import from there.
   * @default none: only `tieredPrefixes` move
   */
  readonly glacierAllObjectsAfterDays?: number;
  /** @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** @default 365 */
  readonly accessLogExpirationDays?: number;
  /**
   * Days the status-change notifier's records (`notifications/sent/`) are kept; more than the 14 days RedriveExecution
   * works for.
   * @default 30
   */
  readonly notificationRecordExpirationDays?: number;
}

function secureBucketDefaults(retainOnDelete: boolean): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    autoDeleteObjects: !retainOnDelete,
  };
}

/** One rule per tiered prefix (a lifecycle filter holds one prefix), and the opt-in rule for every object. */
function tieringRules(props: DataBucketProps): s3.LifecycleRule[] {
  const transitions = [
    { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.infrequentAccessAfterDays ?? 30) },
    { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(props.glacierAfterDays ?? 90) },
  ];
  // `manifests/runs/` becomes the rule id `tier-manifests-runs`.
  const ruleId = (prefix: string) => `tier-${prefix.replace(/\W+$/, '').replace(/\W+/g, '-')}`;
  const byPrefix: s3.LifecycleRule[] = props.tieredPrefixes?.map((prefix) => ({ id: ruleId(prefix), prefix, transitions })) ?? [
    { id: 'tier-all', transitions },
  ];
  const days = props.glacierAllObjectsAfterDays;
  if (days === undefined) return byPrefix;
  return [...byPrefix, { id: 'glacier-all-objects', transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(days) }] }];
}

/**
 * The bucket the assets are staged in before ADX imports them, and the run manifests. Versioned, SSE, TLS-only,
 * private, with server access logs in a second bucket and a lifecycle that moves old assets to colder storage.
 */
export class DataBucket extends Construct {
  public readonly bucket: s3.IBucket;
  /** The server access log bucket, when this construct created the data bucket. */
  public readonly accessLogBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps = {}) {
    super(scope, id);
    if (props.existingBucket !== undefined) {
      this.bucket = props.existingBucket;
      return;
    }
    const retainOnDelete = props.retainOnDelete ?? false;
    const recordDays = props.notificationRecordExpirationDays ?? 30;
    if (!Number.isInteger(recordDays) || recordDays <= REDRIVE_WINDOW_DAYS) {
      throw new ConfigurationError(
        `notificationRecordExpirationDays must be a whole number above ${REDRIVE_WINDOW_DAYS}, the days RedriveExecution works after an execution ends; got ${recordDays}`,
      );
    }

    const accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      ...secureBucketDefaults(retainOnDelete),
      // The S3 log delivery service writes with ACL-less PutObject; object ownership must allow it.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogExpirationDays ?? 365) }],
    });
    this.accessLogBucket = accessLogBucket;
    Validations.of(accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log target of the data bucket; logging it into itself would recurse.',
    });

    this.bucket = new s3.Bucket(this, 'Data', {
      ...secureBucketDefaults(retainOnDelete),
      bucketName: `${props.namePrefix ?? 'dx-flow-data'}-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
      versioned: true,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      lifecycleRules: [
        {
          id: 'expire-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        ...tieringRules(props),
        // Each record stops a second announcement of one execution's attempt; see REDRIVE_WINDOW_DAYS.
        { id: 'expire-notification-records', prefix: NOTIFICATION_RECORD_PREFIX, expiration: Duration.days(recordDays) },
      ],
    });
  }

  /**
   * PlanRevision: lists and heads objects (for `s3Prefix` sources) and writes the run's plan and batch files, nothing else.
   * Explicit actions rather than `grantRead`, whose `s3:GetObject*` and `s3:List*` reach ACLs and versions.
   */
  public grantPlan(grantee: iam.IGrantable): void {
    this.allowList(grantee);
    this.allowObjects(grantee, ['s3:GetObject'], '*');
    this.allowObjects(
      grantee,
      ['s3:PutObject'],
      `${MANIFEST_PREFIX}*`,
      `Manifest keys are named after the runId; the grant is limited to ${MANIFEST_PREFIX}* in this one bucket.`,
    );
  }

  /**
   * UploadBatch: reads the manifest, heads existing objects and streams generated assets in. Multipart uploads
   * are authorized by s3:PutObject; AbortMultipartUpload lets the SDK clean up a failed one.
   */
  public grantUpload(grantee: iam.IGrantable): void {
    this.allowList(grantee);
    this.allowObjects(grantee, ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], '*');
  }

  /** Reads any object: the manifest, and the import sources ADX fetches with the caller's permissions. */
  public grantReadObjects(grantee: iam.IGrantable): void {
    this.allowList(grantee);
    this.allowObjects(grantee, ['s3:GetObject'], '*');
  }

  /**
   * The status-change notifier: claims a record with a conditional PutObject (`If-None-Match: *`), deletes it when
   * the publish fails, and nothing else, under `notifications/sent/` only. No s3:ListBucket or GetObject: a taken key
   * answers 412 to the conditional write, which needs neither.
   */
  public grantNotificationRecords(grantee: iam.IGrantable): void {
    this.allowObjects(
      grantee,
      ['s3:PutObject', 's3:DeleteObject'],
      `${NOTIFICATION_RECORD_PREFIX}*`,
      `Record keys are named after each execution and attempt; the grant is limited to ${NOTIFICATION_RECORD_PREFIX}* in this one bucket.`,
    );
  }

  /** Without s3:ListBucket a missing key answers 403 instead of 404, and the task would report AccessDenied. */
  private allowList(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
  }

  private allowObjects(
    grantee: iam.IGrantable,
    actions: string[],
    keyPattern: string,
    reason = 'Object keys are chosen per run (runId, source prefix); the grant stays inside this one bucket.',
  ): void {
    const objects = this.bucket.arnForObjects(keyPattern);
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [objects] });
    acknowledgeWildcardResources(grantee, [objects], reason);
  }
}
