import { invalid } from '../errors';
import { type Arns, type DataSetRecord, newId, now, type Origin } from '../model';
import { append, Records } from './indexes';

/*
 * One account's data sets: the ones it owns, and the ENTITLED ones that accepting a grant gave it (whose
 * revisions live in the provider's account: see entitled-view.ts).
 */

type DataSetFields = Pick<DataSetRecord, 'AssetType' | 'Description' | 'Name'>;

export class DataSets {
  private readonly records = new Records<DataSetRecord>('DATA_SET');
  private readonly byOrigin = new Map<Origin, DataSetRecord[]>();

  constructor(private readonly arn: Arns) {}

  add(record: DataSetRecord): DataSetRecord {
    append(this.byOrigin, record.Origin, record);
    return this.records.add(record);
  }

  createOwned(fields: DataSetFields): DataSetRecord {
    return this.create(fields, { Origin: 'OWNED' });
  }

  /** What a receiver gets on accepting a grant: the source's name, description and asset type, under an id of its own. */
  createEntitled(source: DataSetRecord, dataGrantId: string): DataSetRecord {
    return this.create(source, { Origin: 'ENTITLED', OriginDetails: { DataGrantId: dataGrantId } });
  }

  get(dataSetId: string): DataSetRecord {
    return this.records.get(dataSetId);
  }

  find(dataSetId: string): DataSetRecord | undefined {
    return this.records.find(dataSetId);
  }

  list(origin: Origin | undefined): readonly DataSetRecord[] {
    return origin === undefined ? this.records.all() : (this.byOrigin.get(origin) ?? []);
  }

  /** Name and Description, the two members UpdateDataSet changes. */
  update(record: DataSetRecord, input: Partial<Pick<DataSetRecord, 'Description' | 'Name'>>): DataSetRecord {
    if (input.Name !== undefined) record.Name = input.Name;
    if (input.Description !== undefined) record.Description = input.Description;
    record.UpdatedAt = now();
    return record;
  }

  delete(record: DataSetRecord): void {
    this.records.delete(record);
    const list = this.byOrigin.get(record.Origin) ?? [];
    list.splice(list.indexOf(record), 1);
  }

  /** A data set whose contents only its owner may change; `what` names the refused change. */
  owned(dataSetId: string, what: string): DataSetRecord {
    const dataSet = this.get(dataSetId);
    if (dataSet.Origin !== 'OWNED') throw invalid(`Data set ${dataSetId} is ${dataSet.Origin}; only its owner can ${what}.`);
    return dataSet;
  }

  private create(fields: DataSetFields, origin: Pick<DataSetRecord, 'Origin' | 'OriginDetails'>): DataSetRecord {
    const id = newId();
    const at = now();
    return this.add({
      Arn: this.arn.dataSet(id),
      AssetType: fields.AssetType,
      CreatedAt: at,
      Description: fields.Description,
      Id: id,
      Name: fields.Name,
      ...origin,
      UpdatedAt: at,
    });
  }
}
