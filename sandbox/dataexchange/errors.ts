/*
 * ADX's typed errors as they travel on the wire: a status, `x-amzn-errortype`, and a JSON body whose members
 * are the ones @aws-sdk/client-dataexchange's deserializers take (`Message`, `ResourceId`, `LimitName`, ...).
 */

export type ResourceType = 'DATA_SET' | 'REVISION' | 'ASSET' | 'JOB' | 'DATA_GRANT' | 'EVENT_ACTION';

const STATUS_OF_CODE = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ServiceLimitExceededException: 402,
  ThrottlingException: 429,
  InternalServerException: 500,
} as const;

export type ApiErrorCode = keyof typeof STATUS_OF_CODE;

/** An error the emulator answers with; anything else thrown while serving a request is a bug, sent as a 500. */
export class DataExchangeApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly fields: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = 'DataExchangeApiError';
    this.status = STATUS_OF_CODE[code];
  }
}

const RESOURCE_NAMES: Readonly<Record<ResourceType, string>> = {
  DATA_SET: 'Data set',
  REVISION: 'Revision',
  ASSET: 'Asset',
  JOB: 'Job',
  DATA_GRANT: 'Data grant',
  EVENT_ACTION: 'Event action',
};

export function notFound(type: ResourceType, id: string): DataExchangeApiError {
  return new DataExchangeApiError('ResourceNotFoundException', `${RESOURCE_NAMES[type]} ${id} was not found.`, {
    ResourceId: id,
    ResourceType: type,
  });
}

export function conflict(type: ResourceType, id: string, message: string): DataExchangeApiError {
  return new DataExchangeApiError('ConflictException', message, { ResourceId: id, ResourceType: type });
}

export function invalid(message: string): DataExchangeApiError {
  return new DataExchangeApiError('ValidationException', message);
}

export function limitExceeded(limitName: string, limitValue: number, message: string): DataExchangeApiError {
  return new DataExchangeApiError('ServiceLimitExceededException', message, { LimitName: limitName, LimitValue: limitValue });
}
