import { Aws } from 'aws-cdk-lib';
import * as dataexchange from 'aws-cdk-lib/aws-dataexchange';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AUTO_EXPORT_KEY_PATTERN } from './export-layout';

export interface AutoExportProps {
  /** The entitled data set; ADX refuses an event action on an owned one. */
  readonly dataSetId: string;
  readonly bucket: s3.IBucket;
  /** @default AUTO_EXPORT_KEY_PATTERN */
  readonly keyPattern?: string;
}

/**
 * An event action that exports every revision published to the entitled data set into the bucket, and the bucket
 * policy that lets Data Exchange write there on this account's behalf only.
 */
export class AutoExport extends Construct {
  public readonly eventAction: dataexchange.CfnEventAction;

  constructor(scope: Construct, id: string, props: AutoExportProps) {
    super(scope, id);
    props.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('dataexchange.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [props.bucket.arnForObjects('*')],
        // Only exports run for this account; no other account's event action can write here.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.eventAction = new dataexchange.CfnEventAction(this, 'EventAction', {
      event: { revisionPublished: { dataSetId: props.dataSetId } },
      action: {
        exportRevisionToS3: {
          encryption: { type: 'AES256' },
          revisionDestination: { bucket: props.bucket.bucketName, keyPattern: props.keyPattern ?? AUTO_EXPORT_KEY_PATTERN },
        },
      },
    });
  }
}
