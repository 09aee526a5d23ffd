import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as dataexchange from 'aws-cdk-lib/aws-dataexchange';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DataBucket } from './data-bucket';
import { acknowledgeWildcardResources } from './nag';

/** The only job type the workflow runs; CreateJob, StartJob and GetJob are conditioned on it. */
const IMPORT_JOB_TYPE = 'IMPORT_ASSETS_FROM_S3';

export interface DataSetProps {
  /**
   * An existing data set to publish to.
   * @default a new S3_SNAPSHOT data set owned by this stack
   */
  readonly dataSetId?: string;
  /** @default 'dx-flow' */
  readonly name?: string;
  /** @default a sentence naming the project */
  readonly description?: string;
}

/**
 * The AWS Data Exchange data set the workflow publishes to. CDK has no L2 for Data Exchange, so this construct
 * also owns the IAM: each typed grant names this data set, its revisions and the account's jobs, and uses `*`
 * only for the actions that support no resource-level permissions (Service Authorization Reference, "Actions,
 * resources, and condition keys for AWS Data Exchange").
 */
export class DataSet extends Construct {
  public readonly dataSetId: string;
  public readonly dataSetArn: string;
  /** Set when this stack created the data set. */
  public readonly cfnDataSet?: dataexchange.CfnDataSet;

  constructor(scope: Construct, id: string, props: DataSetProps = {}) {
    super(scope, id);
    if (props.dataSetId === undefined) {
      this.cfnDataSet = new dataexchange.CfnDataSet(this, 'Resource', {
        assetType: 'S3_SNAPSHOT',
        name: props.name ?? 'dx-flow',
        description: props.description ?? 'Revisions published on a schedule by dx-flow (Step Functions).',
      });
      this.dataSetId = this.cfnDataSet.attrId;
    } else {
      this.dataSetId = props.dataSetId;
    }
    this.dataSetArn = this.arn(`data-sets/${this.dataSetId}`);
  }

  /** Every revision of this data set. */
  private get revisionsArn(): string {
    return `${this.dataSetArn}/revisions/*`;
  }

  /** Import jobs: their ids are only known at run time, and jobs carry no data set in their ARN. */
  private get jobsArn(): string {
    return this.arn('jobs/*');
  }

  private get dataGrantsArn(): string {
    return this.arn('data-grants/*');
  }

  private arn(resource: string): string {
    return Arn.format({ service: 'dataexchange', resource, arnFormat: ArnFormat.NO_RESOURCE_NAME }, Stack.of(this));
  }

  /** CreateRevision: creates (tagged with the runId) or finds the run's revision. */
  public grantCreateRevision(grantee: iam.IGrantable): void {
    this.allow(grantee, ['dataexchange:CreateRevision', 'dataexchange:ListDataSetRevisions'], [this.dataSetArn]);
    this.allow(grantee, ['dataexchange:GetRevision', 'dataexchange:TagResource'], [this.revisionsArn]);
    acknowledgeWildcardResources(grantee, [this.revisionsArn], 'Revisions are created at run time; the grant is limited to the revisions of this one data set.');
  }

  /**
   * StartImport: creates and starts IMPORT_ASSETS_FROM_S3 jobs into this data set's revisions, cancels the spare
   * job when two executions of one runId raced, and skips assets already imported. ADX reads the sources with
   * the caller's permissions, so the grantee also reads `bucket`.
   */
  public grantImport(grantee: iam.IGrantable, bucket: DataBucket): void {
    this.allowJobs(grantee, ['dataexchange:CreateJob', 'dataexchange:StartJob', 'dataexchange:GetJob', 'dataexchange:CancelJob']);
    this.allow(grantee, ['dataexchange:ListRevisionAssets', 'dataexchange:CreateAsset'], [this.revisionsArn]);
    this.allow(grantee, ['dataexchange:ListJobs'], ['*']);
    bucket.grantReadObjects(grantee);
    acknowledgeWildcardResources(grantee, [this.revisionsArn], 'Revisions are created at run time; the grant is limited to the revisions of this one data set.');
    acknowledgeWildcardResources(grantee, [this.jobsArn], 'Import job ids are only known at run time; the grant is conditioned on dataexchange:JobType IMPORT_ASSETS_FROM_S3.');
    acknowledgeWildcardResources(grantee, ['*'], 'dataexchange:ListJobs supports no resource-level permissions; it is filtered by data set and revision in the request.');
  }

  /** CheckImport: polls one import job. */
  public grantImportStatus(grantee: iam.IGrantable): void {
    this.allowJobs(grantee, ['dataexchange:GetJob']);
    acknowledgeWildcardResources(grantee, [this.jobsArn], 'Import job ids are only known at run time; the grant is conditioned on dataexchange:JobType IMPORT_ASSETS_FROM_S3.');
  }

  /**
   * FinalizeRevision: checks the asset count and finalizes. Finalizing publishes the revision to the data set's
   * product or data grants, which ADX authorizes as PublishDataSet and PublishToDataGrant on the data set.
   */
  public grantFinalize(grantee: iam.IGrantable): void {
    this.allow(grantee, ['dataexchange:GetRevision', 'dataexchange:ListRevisionAssets', 'dataexchange:UpdateRevision'], [this.revisionsArn]);
    this.allow(grantee, ['dataexchange:PublishDataSet', 'dataexchange:PublishToDataGrant'], [this.dataSetArn]);
    acknowledgeWildcardResources(grantee, [this.revisionsArn], 'The revision to finalize is created at run time; the grant is limited to the revisions of this one data set.');
  }

  /**
   * ShareWithSubscribers: one data grant per subscriber. ADX authorizes the CreateDataGrant operation as
   * CreateDataGrant and TagResource on the new grant, PublishDataSet and PublishToDataGrant on the source data
   * set, and CreateJob and StartJob for the job that copies the revisions; ListDataGrants has no resource type.
   */
  public grantShare(grantee: iam.IGrantable): void {
    this.allow(grantee, ['dataexchange:CreateDataGrant', 'dataexchange:GetDataGrant', 'dataexchange:TagResource'], [this.dataGrantsArn]);
    this.allow(grantee, ['dataexchange:PublishToDataGrant', 'dataexchange:PublishDataSet'], [this.dataSetArn]);
    this.allow(grantee, ['dataexchange:CreateJob', 'dataexchange:StartJob'], [this.jobsArn]);
    this.allow(grantee, ['dataexchange:ListDataGrants'], ['*']);
    acknowledgeWildcardResources(grantee, [this.dataGrantsArn], 'Data grant ids are assigned by ADX when the grant is created.');
    acknowledgeWildcardResources(grantee, [this.jobsArn], 'ADX runs a job of its own choosing under the caller when it creates a data grant; its id is only known at run time.');
    acknowledgeWildcardResources(grantee, ['*'], 'dataexchange:ListDataGrants supports no resource-level permissions; the task filters the list by this data set.');
  }

  private allow(grantee: iam.IGrantable, actions: string[], resources: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: resources });
  }

  private allowJobs(grantee: iam.IGrantable, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [this.jobsArn],
        conditions: { StringEquals: { 'dataexchange:JobType': IMPORT_JOB_TYPE } },
      }),
    );
  }
}
