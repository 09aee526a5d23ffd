import { InputValidationError } from '../../shared/errors';
import { type ConfiguredDataSet, DEFAULT_DATA_SET_NAME } from '../../shared/schemas/data-sets';

/** The data set a run publishes to: its configured name (for the run's files and scheduled runIds) and id. */
export interface RunDataSet {
  readonly name: string;
  readonly dataSetId: string;
  /** Shared with when the input names no accounts. */
  readonly subscriberAccountIds: readonly string[];
}

export interface DataSetChoice {
  /** The input's `datasetId`. */
  readonly datasetId?: string;
  /** The input's `dataSet`. */
  readonly dataSet?: string;
  /** A source manifest's `dataSet`, and where that manifest is. */
  readonly manifest?: { readonly dataSet?: string; readonly name: string };
}

const listed = (dataSets: readonly ConfiguredDataSet[]) => dataSets.map((dataSet) => `"${dataSet.name}" (${dataSet.dataSetId})`).join(', ');

/**
 * Which of the stack's data sets a run publishes to: the one its source manifest or its input names, or the one
 * whose id the input gives, else the first configured. Every refusal is an InputValidationError before anything
 * is written or created. With no configured list (a task run alone), the input's id is taken as given.
 */
export function chooseDataSet(dataSets: readonly ConfiguredDataSet[], choice: DataSetChoice): RunDataSet {
  const fromManifest = choice.manifest?.dataSet;
  if (fromManifest !== undefined && choice.dataSet !== undefined && fromManifest !== choice.dataSet) {
    throw new InputValidationError(`dataSet: the input names data set "${choice.dataSet}", but ${choice.manifest?.name} names "${fromManifest}"; give one of them`);
  }
  const name = fromManifest ?? choice.dataSet;
  const field = fromManifest === undefined ? 'dataSet' : `dataSet of ${choice.manifest?.name}`;
  if (name !== undefined) {
    const named = dataSets.find((dataSet) => dataSet.name === name);
    if (named === undefined) {
      throw new InputValidationError(
        dataSets.length === 0
          ? `${field}: "${name}" names a data set, but this deployment configures none by name; give datasetId`
          : `${field}: "${name}" is not one of this deployment's data sets: ${listed(dataSets)}`,
      );
    }
    if (choice.datasetId !== undefined && choice.datasetId !== named.dataSetId) {
      throw new InputValidationError(`datasetId: ${choice.datasetId} is not the id of data set "${name}" (${named.dataSetId}); give one of them`);
    }
    return named;
  }
  if (choice.datasetId !== undefined) {
    if (dataSets.length === 0) return { name: DEFAULT_DATA_SET_NAME, dataSetId: choice.datasetId, subscriberAccountIds: [] };
    const byId = dataSets.find((dataSet) => dataSet.dataSetId === choice.datasetId);
    if (byId === undefined) {
      throw new InputValidationError(`datasetId: ${choice.datasetId} is not one of this deployment's data sets, which its roles may publish to: ${listed(dataSets)}`);
    }
    return byId;
  }
  const [first] = dataSets;
  if (first === undefined) throw new InputValidationError('datasetId: required, as this deployment configures no data sets');
  return first;
}
