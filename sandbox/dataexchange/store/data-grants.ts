import { conflict, invalid } from '../errors';
import { type Arns, type DataGrantRecord, type DataSetRecord, newId, now, type Tags } from '../model';
import { Records } from './indexes';

/*
 * The data grants one account made, as their sender keeps them, and the rules of granting and accepting. The
 * receiver reaches across to these records (entitled-view.ts); a grant lives only in its sender's account.
 */

export interface NewDataGrant {
  Name: string;
  GrantDistributionScope: 'NONE' | 'AWS_ORGANIZATION';
  ReceiverPrincipal: string;
  SourceDataSetId: string;
  EndsAt?: string;
  Description?: string;
  Tags?: Tags;
}

/** A grant may be accepted once, and not after it ended. */
export function refuseAcceptance(grant: DataGrantRecord): void {
  if (grant.AcceptanceState === 'ACCEPTED') throw conflict('DATA_GRANT', grant.Id, `Data grant ${grant.Id} is already accepted.`);
  if (grant.EndsAt !== undefined && Date.parse(grant.EndsAt) <= Date.now()) {
    throw invalid(`Data grant ${grant.Id} ended at ${grant.EndsAt} and can no longer be accepted.`);
  }
}

export function markAccepted(grant: DataGrantRecord, at: string): void {
  grant.AcceptanceState = 'ACCEPTED';
  grant.AcceptedAt = at;
  grant.UpdatedAt = at;
}

export class DataGrants {
  private readonly grants = new Records<DataGrantRecord>('DATA_GRANT');

  constructor(
    private readonly accountId: string,
    private readonly arn: Arns,
  ) {}

  add(record: DataGrantRecord): DataGrantRecord {
    return this.grants.add(record);
  }

  /** Only an owned data set can be granted: an entitled one is not the receiver's to pass on. */
  create(source: DataSetRecord, input: NewDataGrant): DataGrantRecord {
    if (source.Origin !== 'OWNED') throw invalid(`Data set ${source.Id} is ${source.Origin}; only an owned data set can be granted.`);
    const id = newId();
    const at = now();
    return this.add({
      AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE',
      Arn: this.arn.dataGrant(id),
      CreatedAt: at,
      DataSetId: source.Id,
      Description: input.Description,
      EndsAt: input.EndsAt,
      GrantDistributionScope: input.GrantDistributionScope,
      Id: id,
      Name: input.Name,
      ReceiverPrincipal: input.ReceiverPrincipal,
      SenderPrincipal: this.accountId,
      SourceDataSetId: source.Id,
      UpdatedAt: at,
    });
  }

  get(grantId: string): DataGrantRecord {
    return this.grants.get(grantId);
  }

  /** A grant by id, or undefined: the receiver answers for a missing one, by the ARN it asked for. */
  find(grantId: string): DataGrantRecord | undefined {
    return this.grants.find(grantId);
  }

  list(): readonly DataGrantRecord[] {
    return this.grants.all();
  }

  delete(record: DataGrantRecord): void {
    this.grants.delete(record);
  }

  /** The grants made to `receiverAccountId`, oldest first. */
  madeTo(receiverAccountId: string): DataGrantRecord[] {
    return this.grants.all().filter((grant) => grant.ReceiverPrincipal === receiverAccountId);
  }

  /** Every grant of one of this account's data sets, whatever its state. */
  of(dataSetId: string): DataGrantRecord[] {
    return this.grants.all().filter((grant) => grant.SourceDataSetId === dataSetId);
  }

  /** The accepted grants of one of this account's data sets, oldest first. */
  acceptedOf(dataSetId: string): DataGrantRecord[] {
    return this.of(dataSetId).filter((grant) => grant.AcceptanceState === 'ACCEPTED');
  }
}
