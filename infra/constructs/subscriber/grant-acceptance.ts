import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface GrantAcceptanceProps {
  /** The grant the provider made to this account. */
  readonly dataGrantArn: string;
}

/**
 * Accepts a data grant, and reads back the entitled data set it gave this account. Idempotent: a grant already
 * accepted (by hand, or by an earlier deploy) answers ConflictException, which counts as done; the data set id is
 * then read with GetReceivedDataGrant either way. Deleting the stack leaves the grant accepted, as AWS has no
 * un-accept.
 */
export class GrantAcceptance extends Construct {
  /** The id of this account's entitled copy of the provider's data set. */
  public readonly dataSetId: string;
  public readonly acceptance: cr.AwsCustomResource;
  public readonly lookup: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: GrantAcceptanceProps) {
    super(scope, id);
    const physicalResourceId = cr.PhysicalResourceId.of(props.dataGrantArn);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    // A role of our own: CDK's default one carries AWSLambdaBasicExecutionRole, which writes to every log group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'dx-flow subscriber: accepts the data grant',
    });
    logGroup.grantWrite(role);
    const common = { logGroup, role, memorySize: 256, installLatestAwsSdk: false };
    const policyFor = (action: string) =>
      cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: [`dataexchange:${action}`], resources: [props.dataGrantArn] })]);

    this.acceptance = new cr.AwsCustomResource(this, 'Accept', {
      onCreate: {
        service: 'DataExchange',
        action: 'AcceptDataGrant',
        parameters: { DataGrantArn: props.dataGrantArn },
        physicalResourceId,
        ignoreErrorCodesMatching: 'ConflictException',
      },
      policy: policyFor('AcceptDataGrant'),
      ...common,
    });
    const getGrant = {
      service: 'DataExchange',
      action: 'GetReceivedDataGrant',
      parameters: { DataGrantArn: props.dataGrantArn },
      physicalResourceId,
      outputPaths: ['DataSetId'],
    };
    this.lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: getGrant,
      onUpdate: getGrant,
      policy: policyFor('GetReceivedDataGrant'),
      ...common,
    });
    this.lookup.node.addDependency(this.acceptance);
    this.dataSetId = this.lookup.getResponseField('DataSetId');

    // CDK runs every AwsCustomResource of a stack in one singleton function, created at the stack's root.
    const provider = Stack.of(this).node.findChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    const reason = 'CDK\'s AwsCustomResource provider, invoked synchronously by CloudFormation only at deploy time, which reports any failure';
    Validations.of(provider).acknowledge(
      { id: 'Serverless-LambdaDLQ', reason: `${reason}; a dead-letter queue only serves asynchronous invocations.` },
      { id: 'Serverless-LambdaTracing', reason: `${reason}; its few calls per deploy are in CloudTrail, which X-Ray would only repeat.` },
    );
  }
}
