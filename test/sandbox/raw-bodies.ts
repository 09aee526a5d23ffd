import { Readable } from 'node:stream';
import { readBody } from '../../sandbox/http';

/*
 * What the sandbox sent, before an SDK client made its output of it: a deserializer keeps only the members its
 * shape has, so an answer with a member too many, or an XML document in the wrong namespace, reads the same.
 */

interface RawResponse {
  body: unknown;
}
type Handler = (args: never) => Promise<{ response: unknown }>;

interface SdkClient {
  readonly middlewareStack: {
    add(middleware: (next: Handler) => Handler, options: { step: 'deserialize'; priority: 'low' }): void;
  };
}

/** Keeps the body of each answer `client` receives, as text, in the order the answers came. */
export function recordRawBodies(client: SdkClient): string[] {
  const bodies: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as RawResponse;
      const body = await readBody(response.body as Readable);
      bodies.push(body.toString('utf8'));
      response.body = Readable.from([body]);
      return result;
    },
    // Innermost in the deserialize step: the answer as it arrived, before the deserializer (or S3's check for an
    // error in a 200) reads it.
    { step: 'deserialize', priority: 'low' },
  );
  return bodies;
}
