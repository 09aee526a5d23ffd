import * as z from 'zod';
import { invalid } from './errors';
import type { ExportRunner } from './exports';
import type { ImportRunner } from './jobs';
import type { DataGrantRecord, ForcedOutcome, JobRecord } from './model';
import { afterKey, newestFirst, type Page } from './pagination';
import {
  ACCEPTANCE_STATES,
  AdxId,
  CreateDataGrantBody,
  CreateDataSetBody,
  CreateEventActionBody,
  CreateExportJobBody,
  CreateImportJobBody,
  CreateJobType,
  CreateRevisionBody,
  parseRequest,
  RevokeRevisionBody,
  SendDataSetNotificationBody,
  TagResourceBody,
  UpdateAssetBody,
  UpdateDataSetBody,
  UpdateEventActionBody,
  UpdateRevisionBody,
} from './schemas';
import { ASSET_ORDER, type AccountState } from './store';

/*
 * Every operation the emulator serves: its method and path exactly as @aws-sdk/client-dataexchange's
 * serializers build them, the status its deserializer expects, and the body it answers with.
 */

export interface OperationRequest {
  readonly account: AccountState;
  /** Path parameters, decoded; every `...Id` one already has ADX's id shape. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; `{}` when there is none. */
  readonly body: unknown;
}

export interface OperationReply {
  readonly status: number;
  readonly body?: unknown;
}

export interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly operation: string;
  readonly handle: (request: OperationRequest) => OperationReply;
}

export interface RouteDeps {
  readonly imports: ImportRunner;
  readonly exports: ExportRunner;
  /** The fault plan's verdict for the next import job started. */
  readonly nextImportOutcome: () => ForcedOutcome | undefined;
}

const ok = (body: unknown): OperationReply => ({ status: 200, body });
const created = (body: unknown): OperationReply => ({ status: 201, body });
const NO_CONTENT: OperationReply = { status: 204 };
const ACCEPTED: OperationReply = { status: 202, body: {} };

function jobView(job: JobRecord): Omit<JobRecord, 'forcedOutcome'> {
  const { forcedOutcome: _forcedOutcome, ...view } = job;
  return view;
}

/**
 * A grant as the lists show it: DataGrantSummaryEntry and ReceivedDataGrantSummariesEntry have no Description and
 * no GrantDistributionScope, which GetDataGrant and GetReceivedDataGrant answer with
 * (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_DataGrantSummaryEntry.html,
 * https://docs.aws.amazon.com/data-exchange/latest/apireference/API_ReceivedDataGrantSummariesEntry.html).
 */
function grantSummary<T extends Pick<DataGrantRecord, 'Description' | 'GrantDistributionScope'>>(grant: T): Omit<T, 'Description' | 'GrantDistributionScope'> {
  const { Description: _description, GrantDistributionScope: _scope, ...summary } = grant;
  return summary;
}

function listReply<T>(member: string, page: Page<T>, view: (item: T) => unknown = (item) => item): OperationReply {
  return ok({ [member]: page.items.map(view), NextToken: page.nextToken });
}

/** A query parameter, checked; ValidationException names it when it is malformed. */
function optionalQuery<S extends z.ZodType>(query: URLSearchParams, name: string, schema: S, operation: string): z.output<S> | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(`Invalid ${operation} request: ${name} "${value}" ${result.error.issues[0].message}.`);
  return result.data;
}

function route(method: string, path: string, operation: string, handle: Route['handle']): Route {
  return { method, segments: path.split('/').filter((part) => part !== ''), operation, handle };
}

export function buildRoutes(deps: RouteDeps): Route[] {
  return [
    route('POST', '/v1/data-sets', 'CreateDataSet', ({ account, body }) => {
      const dataSet = account.createDataSet(parseRequest(CreateDataSetBody, body, 'CreateDataSet'));
      return created({ ...dataSet, Tags: account.tagsOf(dataSet.Arn) });
    }),
    route('GET', '/v1/data-sets', 'ListDataSets', ({ account, query }) => {
      const origin = optionalQuery(query, 'origin', z.enum(['OWNED', 'ENTITLED']), 'ListDataSets');
      return listReply('DataSets', newestFirst(account.listDataSets(origin), query, `data-sets:${origin ?? '*'}`));
    }),
    route('GET', '/v1/data-sets/:DataSetId', 'GetDataSet', ({ account, params }) => {
      const dataSet = account.dataSet(params.DataSetId);
      return ok({ ...dataSet, Tags: account.tagsOf(dataSet.Arn) });
    }),
    route('PATCH', '/v1/data-sets/:DataSetId', 'UpdateDataSet', ({ account, params, body }) =>
      ok(account.updateDataSet(params.DataSetId, parseRequest(UpdateDataSetBody, body, 'UpdateDataSet'))),
    ),
    route('DELETE', '/v1/data-sets/:DataSetId', 'DeleteDataSet', ({ account, params }) => {
      account.deleteDataSet(params.DataSetId);
      return NO_CONTENT;
    }),
    route('POST', '/v1/data-sets/:DataSetId/notification', 'SendDataSetNotification', ({ account, params, body }) => {
      account.sendNotification(params.DataSetId, parseRequest(SendDataSetNotificationBody, body, 'SendDataSetNotification'));
      return ACCEPTED;
    }),
    route('POST', '/v1/data-sets/:DataSetId/revisions', 'CreateRevision', ({ account, params, body }) => {
      const revision = account.createRevision(params.DataSetId, parseRequest(CreateRevisionBody, body, 'CreateRevision'));
      return created({ ...revision, Tags: account.tagsOf(revision.Arn) });
    }),
    route('GET', '/v1/data-sets/:DataSetId/revisions', 'ListDataSetRevisions', ({ account, params, query }) =>
      listReply('Revisions', newestFirst(account.listRevisions(params.DataSetId), query, `revisions:${params.DataSetId}`)),
    ),
    route('GET', '/v1/data-sets/:DataSetId/revisions/:RevisionId', 'GetRevision', ({ account, params }) => {
      const revision = account.revision(params.DataSetId, params.RevisionId);
      return ok({ ...revision, Tags: account.tagsOf(revision.Arn) });
    }),
    route('PATCH', '/v1/data-sets/:DataSetId/revisions/:RevisionId', 'UpdateRevision', ({ account, params, body }) => {
      const update = parseRequest(UpdateRevisionBody, body, 'UpdateRevision');
      const revision = account.updateRevision(params.DataSetId, params.RevisionId, update);
      // Only an unfinalized revision takes Finalized: true, so this runs once per publication.
      if (update.Finalized === true) {
        for (const started of account.revisionPublished(params.DataSetId, params.RevisionId)) deps.exports.schedule(started.account, started.job);
      }
      return ok(revision);
    }),
    route('DELETE', '/v1/data-sets/:DataSetId/revisions/:RevisionId', 'DeleteRevision', ({ account, params }) => {
      account.deleteRevision(params.DataSetId, params.RevisionId);
      return NO_CONTENT;
    }),
    route('POST', '/v1/data-sets/:DataSetId/revisions/:RevisionId/revoke', 'RevokeRevision', ({ account, params, body }) => {
      const { RevocationComment } = parseRequest(RevokeRevisionBody, body, 'RevokeRevision');
      return ok(account.revokeRevision(params.DataSetId, params.RevisionId, RevocationComment));
    }),
    route('GET', '/v1/data-sets/:DataSetId/revisions/:RevisionId/assets', 'ListRevisionAssets', ({ account, params, query }) => {
      const assets = account.listAssets(params.DataSetId, params.RevisionId);
      return listReply('Assets', afterKey(assets, query, `assets:${params.RevisionId}`, ASSET_ORDER));
    }),
    route('GET', '/v1/data-sets/:DataSetId/revisions/:RevisionId/assets/:AssetId', 'GetAsset', ({ account, params }) =>
      ok(account.asset(params.DataSetId, params.RevisionId, params.AssetId)),
    ),
    route('PATCH', '/v1/data-sets/:DataSetId/revisions/:RevisionId/assets/:AssetId', 'UpdateAsset', ({ account, params, body }) => {
      const { Name } = parseRequest(UpdateAssetBody, body, 'UpdateAsset');
      return ok(account.updateAsset(params.DataSetId, params.RevisionId, params.AssetId, Name));
    }),
    route('DELETE', '/v1/data-sets/:DataSetId/revisions/:RevisionId/assets/:AssetId', 'DeleteAsset', ({ account, params }) => {
      account.deleteAsset(params.DataSetId, params.RevisionId, params.AssetId);
      return NO_CONTENT;
    }),
    route('POST', '/v1/jobs', 'CreateJob', ({ account, body }) => {
      const { Type } = parseRequest(CreateJobType, body, 'CreateJob');
      if (Type === 'IMPORT_ASSETS_FROM_S3') {
        const { Details } = parseRequest(CreateImportJobBody, body, 'CreateJob');
        return created(jobView(account.createImportJob(Details.ImportAssetsFromS3)));
      }
      if (Type === 'EXPORT_REVISIONS_TO_S3') {
        const { Details } = parseRequest(CreateExportJobBody, body, 'CreateJob');
        return created(jobView(account.createExportJob(Details.ExportRevisionsToS3)));
      }
      throw invalid(`Job type ${Type} is not emulated by the sandbox; only IMPORT_ASSETS_FROM_S3 and EXPORT_REVISIONS_TO_S3 are.`);
    }),
    route('GET', '/v1/jobs', 'ListJobs', ({ account, query }) => {
      const dataSetId = optionalQuery(query, 'dataSetId', AdxId, 'ListJobs');
      const revisionId = optionalQuery(query, 'revisionId', AdxId, 'ListJobs');
      const jobs = account.listJobs({ dataSetId, revisionId });
      return listReply('Jobs', newestFirst(jobs, query, `jobs:${dataSetId ?? '*'}:${revisionId ?? '*'}`), jobView);
    }),
    route('GET', '/v1/jobs/:JobId', 'GetJob', ({ account, params }) => ok(jobView(account.job(params.JobId)))),
    route('PATCH', '/v1/jobs/:JobId', 'StartJob', ({ account, params }) => {
      const job = account.startJob(params.JobId, deps.nextImportOutcome);
      if (job.Type === 'IMPORT_ASSETS_FROM_S3') deps.imports.schedule(account, job);
      else deps.exports.schedule(account, job);
      return ACCEPTED;
    }),
    route('DELETE', '/v1/jobs/:JobId', 'CancelJob', ({ account, params }) => {
      account.cancelJob(params.JobId);
      return NO_CONTENT;
    }),
    route('POST', '/v1/data-grants', 'CreateDataGrant', ({ account, body }) => {
      const grant = account.createDataGrant(parseRequest(CreateDataGrantBody, body, 'CreateDataGrant'));
      return created({ ...grant, Tags: account.tagsOf(grant.Arn) });
    }),
    route('GET', '/v1/data-grants', 'ListDataGrants', ({ account, query }) =>
      listReply('DataGrantSummaries', newestFirst(account.listDataGrants(), query, 'data-grants'), grantSummary),
    ),
    route('GET', '/v1/data-grants/:DataGrantId', 'GetDataGrant', ({ account, params }) => {
      const grant = account.dataGrant(params.DataGrantId);
      return ok({ ...grant, Tags: account.tagsOf(grant.Arn) });
    }),
    route('DELETE', '/v1/data-grants/:DataGrantId', 'DeleteDataGrant', ({ account, params }) => {
      account.deleteDataGrant(params.DataGrantId);
      return NO_CONTENT;
    }),
    route('GET', '/v1/received-data-grants', 'ListReceivedDataGrants', ({ account, query }) => {
      const states = query.getAll('acceptanceState');
      const unknown = states.find((state) => !(ACCEPTANCE_STATES as readonly string[]).includes(state));
      if (unknown !== undefined) throw invalid(`acceptanceState "${unknown}" must be one of ${ACCEPTANCE_STATES.join(', ')}.`);
      const grants = account.listReceivedDataGrants(states);
      return listReply('DataGrantSummaries', newestFirst(grants, query, `received-data-grants:${states.join(',')}`), grantSummary);
    }),
    route('GET', '/v1/received-data-grants/:DataGrantArn', 'GetReceivedDataGrant', ({ account, params }) =>
      ok(account.receivedDataGrant(params.DataGrantArn)),
    ),
    route('POST', '/v1/data-grants/:DataGrantArn/accept', 'AcceptDataGrant', ({ account, params }) => ok(account.acceptDataGrant(params.DataGrantArn))),
    route('POST', '/v1/event-actions', 'CreateEventAction', ({ account, body }) => {
      const action = account.createEventAction(parseRequest(CreateEventActionBody, body, 'CreateEventAction'));
      return created({ ...action, Tags: account.tagsOf(action.Arn) });
    }),
    route('GET', '/v1/event-actions', 'ListEventActions', ({ account, query }) => {
      const eventSourceId = optionalQuery(query, 'eventSourceId', AdxId, 'ListEventActions');
      return listReply('EventActions', newestFirst(account.listEventActions(eventSourceId), query, `event-actions:${eventSourceId ?? '*'}`));
    }),
    route('GET', '/v1/event-actions/:EventActionId', 'GetEventAction', ({ account, params }) => {
      const action = account.eventAction(params.EventActionId);
      return ok({ ...action, Tags: account.tagsOf(action.Arn) });
    }),
    route('PATCH', '/v1/event-actions/:EventActionId', 'UpdateEventAction', ({ account, params, body }) => {
      const { Action } = parseRequest(UpdateEventActionBody, body, 'UpdateEventAction');
      return ok(account.updateEventAction(params.EventActionId, Action));
    }),
    route('DELETE', '/v1/event-actions/:EventActionId', 'DeleteEventAction', ({ account, params }) => {
      account.deleteEventAction(params.EventActionId);
      return NO_CONTENT;
    }),
    route('GET', '/tags/:ResourceArn', 'ListTagsForResource', ({ account, params }) => ok({ tags: account.tagsOf(params.ResourceArn) })),
    route('POST', '/tags/:ResourceArn', 'TagResource', ({ account, params, body }) => {
      account.tag(params.ResourceArn, parseRequest(TagResourceBody, body, 'TagResource').tags);
      return NO_CONTENT;
    }),
    route('DELETE', '/tags/:ResourceArn', 'UntagResource', ({ account, params, query }) => {
      account.untag(params.ResourceArn, query.getAll('tagKeys'));
      return NO_CONTENT;
    }),
  ];
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`The path segment "${segment}" is not valid percent-encoding.`);
  }
}

/** The route for a request, with its path parameters checked; undefined when no operation has that path. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch | undefined {
  // Split before decoding: an ARN parameter arrives with its own '/' percent-encoded.
  const segments = pathname.split('/').filter((part) => part !== '');
  const candidate = routes.find(
    (r) =>
      r.method === method &&
      r.segments.length === segments.length &&
      r.segments.every((part, i) => part.startsWith(':') || part === segments[i]),
  );
  if (candidate === undefined) return undefined;
  const params: Record<string, string> = {};
  candidate.segments.forEach((part, i) => {
    if (part.startsWith(':')) params[part.slice(1)] = segments[i];
  });
  return { route: candidate, params };
}

/** Decodes the path parameters and checks every id's shape; throws ValidationException naming the parameter. */
export function decodeParams(raw: Readonly<Record<string, string>>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, segment] of Object.entries(raw)) {
    const value = decodeSegment(segment);
    if (name.endsWith('Id') && !AdxId.safeParse(value).success) {
      throw invalid(`${name} "${value}" must be 30 to 40 letters and digits.`);
    }
    params[name] = value;
  }
  return params;
}
