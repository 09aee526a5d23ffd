import { escapeXml } from './errors';

/*
 * S3's answers are XML documents in one namespace, `http://s3.amazonaws.com/doc/2006-03-01/`, declared on the root
 * element: the response syntax of every operation in the S3 API reference shows it (for example
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html#API_ListObjectsV2_ResponseSyntax). s3rver
 * 3.7.1 declares `http://doc.s3.amazonaws.com/2006-03-01/` on some and none on others; XML readers that match
 * elements by namespace find nothing in either.
 */

const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The root element's start tag, after any XML declaration: its name, its attributes, and `/` if it is empty. */
const ROOT_START_TAG = /^(\s*(?:<\?xml[^>]*\?>\s*)?)<([A-Za-z_][\w.-]*)([^>]*?)(\/?)>/;
const DEFAULT_NAMESPACE = /\s+xmlns\s*=\s*(?:"[^"]*"|'[^']*')/;

/** `xml` with S3's namespace as the root element's default namespace, in place of any it declared. */
export function inS3Namespace(xml: string): string {
  return xml.replace(
    ROOT_START_TAG,
    (_tag, prolog: string, name: string, attributes: string, empty: string) =>
      `${prolog}<${name} xmlns="${S3_XML_NAMESPACE}"${attributes.replace(DEFAULT_NAMESPACE, '')}${empty}>`,
  );
}

/** An answer of the proxy's own: `root` holding one text element per entry of `elements`, in order. */
export function s3XmlDocument(root: string, elements: Readonly<Record<string, string>>): string {
  const children = Object.entries(elements).map(([name, text]) => `<${name}>${escapeXml(text)}</${name}>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XML_NAMESPACE}">${children.join('')}</${root}>`;
}
