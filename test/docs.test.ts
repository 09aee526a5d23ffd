import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/*
 * Every relative link of README.md and docs/*.md resolves: to a file or folder that exists and, for an `#anchor`
 * into a markdown file, to a heading of that file. Text moved between README and docs/ cannot leave a link behind.
 */

const REPO = path.resolve(__dirname, '..');
const DOCS = readdirSync(path.join(REPO, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file}`);
const PAGES = ['README.md', ...DOCS];

/** The lines of a markdown text outside fenced code blocks. */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').filter((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return false;
    }
    return fence === undefined;
  });
}

/** GitHub's anchors for the headings of a markdown text: lowercased, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative link targets of a markdown text, outside code: inline links, images and reference definitions. */
function relativeLinks(markdown: string): string[] {
  const prose = proseLines(markdown)
    .join('\n')
    .replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
  const definitions = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]);
  return [...inline, ...definitions].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Why a link of the page at `page` (relative to `root`) does not resolve, or undefined when it does. */
function brokenLink(root: string, page: string, target: string): string | undefined {
  const [file, anchor] = target.split('#', 2) as [string, string | undefined];
  const resolved = file === '' ? path.join(root, page) : path.resolve(root, path.dirname(page), decodeURI(file));
  const shown = path.relative(root, resolved);
  if (!existsSync(resolved)) return `${target}: no file ${shown}`;
  if (anchor === undefined || !resolved.endsWith('.md')) return undefined;
  return anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor)) ? undefined : `${target}: no heading #${anchor} in ${shown}`;
}

function brokenLinksOf(root: string, page: string): string[] {
  return relativeLinks(readFileSync(path.join(root, page), 'utf8')).flatMap((target) => brokenLink(root, page, target) ?? []);
}

describe('markdown links', () => {
  it.each(PAGES)('every relative link of %s resolves, anchors included', (page) => {
    expect(brokenLinksOf(REPO, page)).toEqual([]);
  });

  it('links every docs/ page from README.md', () => {
    const linked = relativeLinks(readFileSync(path.join(REPO, 'README.md'), 'utf8')).map((target) => target.split('#')[0]);

    expect(DOCS.filter((page) => !linked.includes(page))).toEqual([]);
  });

  it('finds headings as GitHub anchors them, and ignores code', () => {
    const markdown = ['# 5. When a run fails', '### Publishing a local folder: `--from-dir`', '## Notes', '## Notes', '```', '# not a heading', '```'].join('\n');

    expect([...anchorsOf(markdown)]).toEqual(['5-when-a-run-fails', 'publishing-a-local-folder---from-dir', 'notes', 'notes-1']);
  });

  it('reports a missing file and a missing heading, and skips URLs and links in code', () => {
    const markdown = [
      'See [the README](README.md#2-quick-start), [a page](docs/nowhere.md), [a heading](README.md#no-such-heading),',
      '[the web](https://example.com/x.md), `[inline](nowhere.md)` and:',
      '```',
      '[fenced](nowhere.md)',
      '```',
    ].join('\n');
    const links = relativeLinks(markdown);

    expect(links).toEqual(['README.md#2-quick-start', 'docs/nowhere.md', 'README.md#no-such-heading']);
    expect(links.map((target) => brokenLink(REPO, 'README.md', target))).toEqual([
      undefined,
      'docs/nowhere.md: no file docs/nowhere.md',
      'README.md#no-such-heading: no heading #no-such-heading in README.md',
    ]);
  });
});
