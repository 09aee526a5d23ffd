import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ACCOUNT_A, DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';
import { ALARM_TOPIC_ARN, TOPIC_KEY_ARN } from './fixtures';
import { logicalIdOf, type Synthesized, synthStack } from './synth';

/** The packs infra/app.ts registers, run over the construct tree as its validation plugins are. */
function findings(synthesized: Synthesized): string[] {
  const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
  return packs.flatMap((pack) =>
    pack
      .validateScope(synthesized.app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
      ),
  );
}

/** Our cdk-nag acknowledgements; CDK records its own (CloudFormation-Validate::...) in the same metadata. */
function nagAcknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason })),
      )
      .filter(({ id }) => /^(Annotation::)?(AwsSolutions|Serverless)-/.test(id)),
  );
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  it('find nothing unacknowledged in the default stack', () => {
    expect(findings(synthStack())).toEqual([]);
  });

  it('find nothing unacknowledged with subscriber notices on', () => {
    expect(findings(synthStack({ notifySubscribers: true }))).toEqual([]);
  });

  it('find nothing unacknowledged with an imported data set and topics in prod', () => {
    const synthesized = synthStack({
      environment: 'prod',
      datasetId: DATA_SET_ID,
      scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' },
      snsTopicArn: TOPIC_ARN,
      snsTopicKmsKeyArn: TOPIC_KEY_ARN,
      alarmTopicArn: ALARM_TOPIC_ARN,
      subscriberAccountId: ACCOUNT_A,
      tierSourcesAfterDays: 180,
    });
    expect(findings(synthesized)).toEqual([]);
  });

  it('would report a resource that breaks a rule', () => {
    const synthesized = synthStack();
    new s3.Bucket(synthesized.stack, 'Unencrypted');
    expect(findings(synthesized)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-S10 at DataExchangeStack\/Unencrypted\//)]),
    );
  });

  it("acknowledges on each state machine's role the wildcards of its own grants only", () => {
    const { app, stack } = synthStack();
    const acknowledged = nagAcknowledgements(app);
    const onRole = (stateMachine: typeof stack.workflow.stateMachine) =>
      acknowledged
        .filter(({ path }) => path === stateMachine.role.node.path)
        .map(({ id }) => id)
        .sort();
    const functionWildcard = (task: keyof typeof stack.functions) =>
      `Annotation::AwsSolutions-IAM5[Resource::<${logicalIdOf(stack, stack.functions[task].function)}.Arn>:*]`;
    // CDK's .sync grant names the import-batch state machine by splitting its ARN, which cdk-nag leaves unflattened.
    const importBatchName = { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalIdOf(stack, stack.workflow.importBatchStateMachine) }] }] };

    expect(onRole(stack.workflow.importBatchStateMachine)).toEqual(
      ['Annotation::AwsSolutions-IAM5[Resource::*]', ...(['upload-batch', 'start-import', 'check-import'] as const).map(functionWildcard)].sort(),
    );
    expect(onRole(stack.workflow.stateMachine)).toEqual(
      [
        'Annotation::AwsSolutions-IAM5[Resource::*]',
        ...(['plan-revision', 'create-revision', 'finalize-revision', 'share-with-subscribers', 'notify'] as const).map(functionWildcard),
        `Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${JSON.stringify(importBatchName)}*]`,
      ].sort(),
    );
  });

  it('acknowledges each finding narrowly, with a reason of its own', () => {
    const acknowledged = nagAcknowledgements(synthStack().app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      // On a construct inside the stack, never on the stack or the app, so a new resource is never covered by accident.
      expect(path).toMatch(/^DataExchangeStack\/.+/);
      expect(id).toMatch(/^(Annotation::)?(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
