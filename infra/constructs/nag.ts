import { Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct, type IConstruct } from 'constructs';

/** The construct that owns a grantee's policies, where cdk-nag looks for acknowledgements. */
function principalConstruct(grantee: IGrantable): IConstruct {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) {
    throw new Error('Wildcard grants need a role defined in this app, so that their cdk-nag findings can be acknowledged on it');
  }
  return principal;
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource a grant gave, on the grantee's role
 * only. cdk-nag v3 names each finding after the resource as the template renders it (tokens flattened to
 * `<LogicalId.Attr>`), so the id is computed from the same token the grant used.
 */
export function acknowledgeWildcardResources(grantee: IGrantable, resources: readonly string[], reason: string): void {
  const principal = principalConstruct(grantee);
  const stack = Stack.of(principal);
  for (const resource of resources) {
    Validations.of(principal).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(resource))}]`,
      reason,
    });
  }
}

/** Acknowledges AwsSolutions-IAM5 for wildcard actions such as CDK's own `s3:GetObject*`, on the grantee's role. */
export function acknowledgeWildcardActions(grantee: IGrantable, actions: readonly string[], reason: string): void {
  const principal = principalConstruct(grantee);
  for (const action of actions) {
    Validations.of(principal).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
  }
}
