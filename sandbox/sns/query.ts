import { escapeXml } from '../s3/errors';
import type { MessageAttribute } from './model';

/*
 * The AWS Query protocol, as @aws-sdk/client-sns and the AWS CLI speak it to SNS: a form-encoded POST
 * (`Action=Publish&Version=2010-03-31&TopicArn=...`), lists as `X.member.N`, maps as `X.entry.N.key/value`
 * (message attributes as `.Name` and `.Value.*`), and XML answers wrapped in `<ActionResponse><ActionResult>`.
 */

export type QueryParams = ReadonlyMap<string, string>;

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export function parseQuery(form: string): QueryParams {
  return new Map(new URLSearchParams(form));
}

/** The numbered children of `prefix` (`prefix.1.*`, `prefix.2.*`, ...), in order, each keyed by the rest of its name. */
export function childrenOf(params: QueryParams, prefix: string): QueryParams[] {
  const groups = new Map<number, Map<string, string>>();
  for (const [name, value] of params) {
    const match = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(?:\\.(.*))?$`).exec(name);
    if (match === null) continue;
    const index = Number(match[1]);
    const group = groups.get(index) ?? new Map<string, string>();
    group.set(match[2] ?? '', value);
    groups.set(index, group);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

export function stringMapOf(params: QueryParams, prefix: string): Record<string, string> {
  return Object.fromEntries(childrenOf(params, `${prefix}.entry`).map((entry) => [entry.get('key') ?? '', entry.get('value') ?? '']));
}

export function messageAttributesOf(params: QueryParams): Record<string, MessageAttribute> {
  return Object.fromEntries(
    childrenOf(params, 'MessageAttributes.entry').map((entry) => [
      entry.get('Name') ?? '',
      {
        DataType: entry.get('Value.DataType') ?? '',
        ...(entry.has('Value.StringValue') && { StringValue: entry.get('Value.StringValue') }),
        ...(entry.has('Value.BinaryValue') && { BinaryValue: entry.get('Value.BinaryValue') }),
      },
    ]),
  );
}

/** `<Tag>value</Tag>` for each defined value, escaped. */
export function xmlElements(fields: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(fields)
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([tag, value]) => `<${tag}>${escapeXml(value)}</${tag}>`)
    .join('');
}

export function queryResponse(action: string, result: string | undefined, requestId: string): string {
  const body = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryError(code: string, status: number, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${XMLNS}"><Error>` +
    `<Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>${xmlElements({ Code: code, Message: message })}</Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
