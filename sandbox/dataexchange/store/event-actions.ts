import { invalid } from '../errors';
import { checkKeyPattern, DEFAULT_KEY_PATTERN } from '../key-pattern';
import { type Arns, type DataSetRecord, type EventActionRecord, type ExportDetails, newId, now } from '../model';
import { Records } from './indexes';

/*
 * One account's event actions: each auto-exports every revision published to one of its entitled data sets.
 */

/** The export job an event action starts for a revision published to its data set. */
export function exportOnPublish(action: EventActionRecord, revisionId: string): ExportDetails {
  const { Encryption, RevisionDestination } = action.Action.ExportRevisionToS3;
  return {
    DataSetId: action.Event.RevisionPublished.DataSetId,
    Encryption,
    EventActionArn: action.Arn,
    RevisionDestinations: [{ ...RevisionDestination, RevisionId: revisionId }],
  };
}

export class EventActions {
  private readonly actions = new Records<EventActionRecord>('EVENT_ACTION');

  constructor(private readonly arn: Arns) {}

  add(record: EventActionRecord): EventActionRecord {
    return this.actions.add(record);
  }

  /** On an owned data set ADX refuses an event action: a provider publishes, it does not receive. */
  create(dataSet: DataSetRecord, input: Pick<EventActionRecord, 'Action' | 'Event'>): EventActionRecord {
    if (dataSet.Origin !== 'ENTITLED') {
      throw invalid(`Data set ${dataSet.Id} is ${dataSet.Origin}; event actions can only be created on entitled data sets.`);
    }
    checkKeyPattern(input.Action.ExportRevisionToS3.RevisionDestination.KeyPattern ?? DEFAULT_KEY_PATTERN);
    const id = newId();
    const at = now();
    return this.add({ Action: input.Action, Arn: this.arn.eventAction(id), CreatedAt: at, Event: input.Event, Id: id, UpdatedAt: at });
  }

  /** A new Action for the event action; its key pattern is checked as on creation. */
  update(record: EventActionRecord, action: EventActionRecord['Action'] | undefined): EventActionRecord {
    if (action !== undefined) {
      checkKeyPattern(action.ExportRevisionToS3.RevisionDestination.KeyPattern ?? DEFAULT_KEY_PATTERN);
      record.Action = action;
    }
    record.UpdatedAt = now();
    return record;
  }

  get(eventActionId: string): EventActionRecord {
    return this.actions.get(eventActionId);
  }

  list(eventSourceId: string | undefined): readonly EventActionRecord[] {
    if (eventSourceId === undefined) return this.actions.all();
    return this.actions.all().filter((action) => action.Event.RevisionPublished.DataSetId === eventSourceId);
  }

  /** Removes the event action and returns it. */
  delete(eventActionId: string): EventActionRecord {
    const record = this.get(eventActionId);
    this.actions.delete(record);
    return record;
  }
}
