/** What the pages show, read back from a site built from a small hand-made artifact. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, BranchRecord, RfcRecord } from '../../src/cache/model.ts';
import { buildSite } from '../../src/site/build.ts';
import { sitePaths } from '../../src/site/paths.ts';
import { prRecord, rfcRecord } from '../records.ts';

const META = 'o/meta';
const G = 'https://g.example';

const pr = prRecord;

function branch(
  repo: string,
  name: string,
  state: BranchRecord['state'],
  kind: BranchRecord['kind'] = 'edit',
): BranchRecord {
  return { repo, name, kind, state, headSha: state === 'deleted' ? null : 'a'.repeat(40), synthetic: false };
}

function rfc(slug: string, over: Partial<RfcRecord> = {}): RfcRecord {
  return rfcRecord(slug, {
    proposedAt: '2026-01-05',
    arbiters: ['bob'],
    tags: ['lang'],
    body: `# ${slug}\n\nBody of ${slug}.\n`,
    ...over,
  });
}

const RFC_REPO = 'o/rfc-0012';
const artifact: Artifact = {
  meta: { schemaVersion: 1, giteaUrl: G, metaRepo: META, defaultBranch: 'main', cursors: {} },
  rfcs: [
    rfc('draft', {
      tags: ['lang', 'types'],
      branches: [
        branch(META, 'edit/draft/gone', 'deleted'),
        branch(META, 'edit/draft/merged', 'closed'),
        branch(META, 'edit/draft/open-no-pr', 'open'),
        branch(META, 'edit/draft/with-pr', 'open'),
        { repo: META, name: 'main', kind: 'main', state: 'open', headSha: 'f'.repeat(40), synthetic: true },
      ],
      prs: [
        pr(META, 1, {
          kind: 'propose',
          head: 'propose/draft',
          state: 'merged',
          giteaState: 'merged',
          mergedAt: '2026-01-06T00:00:00Z',
          mergedBy: 'bob',
          openedBy: 'alice',
          authorLogin: 'rfc-bot',
        }),
        pr(META, 2, { head: 'edit/draft/with-pr' }),
        pr(META, 3, {
          state: 'closed',
          giteaState: 'closed',
          closedAt: '2026-01-08T00:00:00Z',
          supersededBy: 4,
          supersededByLogin: 'carol',
        }),
        pr(META, 4, {
          head: 'edit/draft/merged',
          state: 'merged',
          giteaState: 'merged',
          mergedAt: '2026-01-08T00:00:00Z',
          supersedes: [3],
          openedBy: 'carol',
          authorLogin: 'carol',
        }),
        pr(META, 5, {
          state: 'withdrawn',
          giteaState: 'closed',
          closedAt: '2026-01-09T00:00:00Z',
          withdrawnBy: 'u5',
        }),
      ],
    }),
    rfc('grad', {
      state: 'active',
      id: 12,
      repo: RFC_REPO,
      graduatedBy: 'bob',
      graduatedAt: '2026-02-01',
      owners: ['alice', 'dave'],
      arbiters: ['erin'],
      bodySource: 'rfc-repo',
      branches: [branch(RFC_REPO, 'trunk', 'open', 'main'), branch(RFC_REPO, 'feature', 'open', 'rfc')],
    }),
    rfc('gone', {
      state: 'withdrawn',
      proposedBy: 'dave',
      withdrawnBy: 'wanda',
      withdrawnAt: '2026-03-01T12:00:00Z',
      tags: [],
    }),
    rfc('undated', { state: 'withdrawn', tags: [] }),
  ],
  ideas: [
    {
      slug: 'new',
      title: 'A new idea',
      number: 40,
      url: `${G}/${META}/pulls/40`,
      openedBy: 'frank',
      createdAt: '2026-03-02T00:00:00Z',
      updatedAt: '2026-03-02T00:00:00Z',
    },
  ],
  problems: [
    {
      file: 'rfcs/broken.md',
      sha: null,
      reasons: [
        { field: 'state', line: 4, message: 'must be one of super-draft, active, withdrawn' },
        { field: null, line: null, message: 'the body is empty' },
      ],
    },
  ],
  audit: [],
  unattached: [],
};

let out: string;
const page = (p: string) => readFileSync(join(out, p), 'utf8');
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
/** The text of the header table's row `label`. */
function headerRow(html: string, label: string): string | null {
  const m = new RegExp(`<tr><th scope="row">${label}</th><td>(.*?)</td></tr>`).exec(html);
  return m ? text(m[1]!) : null;
}
/** The rows of the branch table as "name | repo | kind | state" (links and marks as text). */
function branchRows(html: string): string[] {
  const body = /<table class="branches">.*?<tbody>(.*?)<\/tbody>/s.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<td>(.*?)<\/td>/g)]
      .slice(0, 4)
      .map((c) => text(c[1]!))
      .join(' | '),
  );
}
/** The PR numbers listed under each state heading. */
function prGroups(html: string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const m of html.matchAll(/<ul class="prs" data-pr-state="([a-z]+)">(.*?)<\/ul>/g))
    groups[m[1]!] = [...m[2]!.matchAll(/<li>(.*?)<\/li>/g)].map((li) => text(li[1]!));
  return groups;
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'rfc-site-pages-'));
  await buildSite({ artifact, outDir: out });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the RFC page', () => {
  it.each([
    ['draft', 'State', 'Super-draft'],
    ['draft', 'ID', 'not assigned'],
    ['draft', 'Owners', 'alice'],
    ['draft', 'Arbiters', 'bob'],
    ['draft', 'Tags', 'lang types'],
    ['draft', 'Proposed', 'alice on 2026-01-05'],
    ['draft', 'Graduated', 'not yet'],
    ['draft', 'Repo', 'none (not graduated)'],
    ['draft', 'Withdrawn', null],
    ['grad', 'State', 'Active'],
    ['grad', 'ID', '12'],
    ['grad', 'Owners', 'alice , dave'],
    ['grad', 'Arbiters', 'erin'],
    ['grad', 'Graduated', 'bob on 2026-02-01'],
    ['grad', 'Repo', RFC_REPO],
    ['gone', 'Withdrawn', 'wanda on 2026-03-01'],
    ['gone', 'Proposed', 'dave on 2026-01-05'],
    ['undated', 'Withdrawn', 'date not recorded'],
  ])('%s: header row %s', (slug, label, expected) => {
    expect(headerRow(page(sitePaths.rfc(slug)), label)).toBe(expected);
  });

  it('links the repo, the entry and the person pages from the header', () => {
    const html = page(sitePaths.rfc('grad'));
    expect(html).toContain(`<a href="${G}/${RFC_REPO}">${RFC_REPO}</a>`);
    expect(html).toContain(`<a href="${G}/${META}/src/branch/main/rfcs/grad.md">rfcs/grad.md</a>`);
    expect(html).toContain('<a class="person" href="../people/dave.html">dave</a>');
  });

  it('lists branches with their states, and a compare link for an open branch without a PR', () => {
    const html = page(sitePaths.rfc('draft'));
    expect(branchRows(html)).toEqual([
      `edit/draft/gone | ${META} | edit | deleted`,
      `edit/draft/merged | ${META} | edit | closed`,
      `edit/draft/open-no-pr open a pull request | ${META} | edit | open`,
      `edit/draft/with-pr | ${META} | edit | open`,
      `main (main tip) | ${META} | main | open`,
    ]);
    expect(html).toContain(`href="${G}/${META}/compare/main...edit/draft/open-no-pr"`);
    expect(html).not.toContain('compare/main...edit/draft/with-pr');
    expect(html).not.toContain('compare/main...main');
    expect(html).toContain('<del>edit/draft/gone</del>');
  });

  it('compares a branch of the RFC repo against that repo’s own main branch', () => {
    const html = page(sitePaths.rfc('grad'));
    expect(html).toContain(`href="${G}/${RFC_REPO}/compare/trunk...feature"`);
    expect(html).not.toContain('compare/trunk...trunk');
  });

  it('groups PRs by state, each with the person who opened it and the supersession links', () => {
    const groups = prGroups(page(sitePaths.rfc('draft')));
    expect(Object.keys(groups)).toEqual(['open', 'merged', 'closed', 'withdrawn']);
    expect(groups.open).toEqual([`${META}#2 PR 2 edit · opened by u2 on 2026-01-01`]);
    expect(groups.merged).toEqual([
      `${META}#1 PR 1 propose · opened by alice on 2026-01-01 · via rfc-bot · merged 2026-01-06 by bob`,
      `${META}#4 PR 4 edit · opened by carol on 2026-01-01 · merged 2026-01-08 · supersedes #3`,
    ]);
    expect(groups.closed).toEqual([
      `${META}#3 PR 3 edit · opened by u3 on 2026-01-01 · closed 2026-01-08 · superseded by #4 ( carol )`,
    ]);
    expect(groups.withdrawn).toEqual([`${META}#5 PR 5 edit · opened by u5 on 2026-01-01 · withdrawn by u5`]);
    expect(page(sitePaths.rfc('draft'))).toContain(`<a href="${G}/${META}/pulls/4">#4</a>`);
  });

  it('tells a super-draft’s editor how to name the branch, and not an active RFC’s', () => {
    expect(text(page(sitePaths.rfc('draft')))).toContain(
      'commit to a new branch named edit/draft/your-change',
    );
    expect(page(sitePaths.rfc('grad'))).not.toContain('class="meta hint"');
  });
});

describe('the list pages', () => {
  it('a tag page lists the RFCs of that tag, grouped by state', () => {
    const html = page(sitePaths.tag('lang'));
    expect([...html.matchAll(/<section class="group" data-group="([a-z-]+)">/g)].map((m) => m[1])).toEqual([
      'active',
      'super-draft',
    ]);
    expect(html).toContain('href="../rfcs/draft.html"');
    expect(html).toContain('href="../rfcs/grad.html"');
    expect(html).not.toContain('href="../rfcs/gone.html"');
    expect(page(sitePaths.tag('types'))).not.toContain('href="../rfcs/grad.html"');
  });

  it.each([
    [
      'alice',
      { Owns: ['draft', 'gone', 'grad', 'undated'], Arbitrates: [], Proposed: ['draft', 'grad', 'undated'] },
    ],
    ['bob', { Owns: [], Arbitrates: ['draft', 'gone', 'undated'], Proposed: [] }],
    ['dave', { Owns: ['grad'], Arbitrates: [], Proposed: ['gone'] }],
    ['erin', { Owns: [], Arbitrates: ['grad'], Proposed: [] }],
  ])('%s’s page lists what they own, arbitrate and proposed', (login, expected) => {
    const html = page(sitePaths.person(login));
    const got: Record<string, string[]> = {};
    for (const m of html.matchAll(
      /<section><h2>(Owns|Arbitrates|Proposed) <span class="count">\d+<\/span><\/h2>(.*?)<\/section>/g,
    ))
      got[m[1]!] = [...m[2]!.matchAll(/href="\.\.\/rfcs\/([a-z-]+)\.html"/g)].map((x) => x[1]!);
    expect(got).toEqual(expected);
  });

  it('the people page counts what each person owns, arbitrates, proposed, graduated, withdrew and opened', () => {
    const rows = [...page(sitePaths.people).matchAll(/<tr><td>(.*?)<\/tr>/g)].map((m) =>
      text(`<td>${m[1]!}`),
    );
    expect(rows).toContain('wanda 0 0 0 0 1 0');
    expect(rows).toContain('bob 0 3 0 1 0 0');
    expect(rows).toContain('alice 4 0 3 0 0 1');
  });

  it('the withdrawer has a page listing what they withdrew, though they appear nowhere else', () => {
    expect(page(sitePaths.rfc('gone'))).toContain('<a class="person" href="../people/wanda.html">wanda</a>');
    const html = page(sitePaths.person('wanda'));
    expect(html).toMatch(
      /<h2>Withdrew <span class="count">1<\/span><\/h2><ul class="rfcs"><li class="rfc"[^>]*><a class="title" href="\.\.\/rfcs\/gone\.html">/,
    );
  });

  it('the problems page lists each file with its reasons, and the index links to it', () => {
    const html = page(sitePaths.problems);
    expect(html).toContain(`href="${G}/${META}/src/branch/main/rfcs/broken.md"`);
    expect(text(html)).toContain('state : must be one of super-draft, active, withdrawn (line 4)');
    expect(text(html)).toContain('the body is empty');
    const index = page(sitePaths.index);
    expect(index).toContain('<a href="problems.html">1 entry file fails validation</a>');
  });

  it('the index counts each state and lists pending ideas in a disclosure', () => {
    const index = page(sitePaths.index);
    expect(text(/<ul class="summary">(.*?)<\/ul>/.exec(index)![1]!)).toBe(
      'Total: 4 Active: 1 Super-draft: 1 Withdrawn: 2',
    );
    expect(index).toMatch(
      /<details class="ideas" id="ideas"><summary>Pending ideas <span class="count">1<\/span>/,
    );
    expect(index).toContain(`<a href="${G}/${META}/pulls/40">A new idea</a>`);
  });
});
