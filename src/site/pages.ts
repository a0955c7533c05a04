/**
 * The HTML page templates. Every value from the artifact is untrusted: text goes through `esc`,
 * URLs through `safeHttp` or are built by `GiteaLinks`, file names through `sitePaths`. All links
 * between pages are relative so the site works from `file://` and under any sub-path.
 */
import type {
  ArtifactMeta,
  IdeaRecord,
  ProblemRecord,
  PrRecord,
  PrState,
  RfcRecord,
} from '../cache/model.ts';
import { cmp, day, esc, type GiteaLinks, safeHttp } from './html.ts';
import type { RenderedBody, TocEntry } from './markdown.ts';
import { rootFrom, sitePaths } from './paths.ts';

/** The Content-Security-Policy every page carries: same-origin scripts and styles only, nothing else. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'";

export const STATE_ORDER = ['active', 'super-draft', 'withdrawn'] as const;
const STATE_LABEL: Record<string, string> = {
  active: 'Active',
  'super-draft': 'Super-draft',
  withdrawn: 'Withdrawn',
};
const PR_STATE_ORDER: PrState[] = ['open', 'merged', 'closed', 'withdrawn'];

/** What the templates need besides one record: the site-wide facts and lookups. */
export interface SiteContext {
  meta: ArtifactMeta;
  links: GiteaLinks;
}

export function stateLabel(state: string): string {
  return STATE_LABEL[state] ?? state;
}

/** States in display order: the known ones, then any others the artifact carries, sorted. */
export function orderedStates(states: Iterable<string>): string[] {
  const set = new Set(states);
  const known = STATE_ORDER.filter((s) => set.has(s));
  const other = [...set].filter((s) => !(STATE_ORDER as readonly string[]).includes(s)).sort(cmp);
  return [...known, ...other];
}

interface LayoutOptions {
  path: string;
  title: string;
  main: string;
  scripts?: string[];
  current?: 'index' | 'tags' | 'people' | 'problems' | 'search';
}

/** Wraps page content in the shared layout (CSP, nav, search box, footer). */
export function layout(ctx: SiteContext, o: LayoutOptions): string {
  const r = rootFrom(o.path);
  const nav: [LayoutOptions['current'], string, string][] = [
    ['index', sitePaths.index, 'All RFCs'],
    ['tags', sitePaths.tags, 'Tags'],
    ['people', sitePaths.people, 'People'],
    ['problems', sitePaths.problems, 'Problems'],
  ];
  const navItems = nav
    .map(
      ([key, href, label]) =>
        `<li><a href="${r}${href}"${o.current === key ? ' aria-current="page"' : ''}>${label}</a></li>`,
    )
    .join('');
  const scripts = (o.scripts ?? []).map((s) => `<script src="${r}${s}" defer></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>${esc(o.title)} · ${esc(ctx.meta.metaRepo)}</title>
<link rel="stylesheet" href="${r}${sitePaths.css}">
<link rel="icon" href="${r}${sitePaths.icon}" type="image/svg+xml">
<link rel="alternate" type="application/atom+xml" title="RFC activity" href="${r}${sitePaths.feed}">
${scripts}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<nav aria-label="Site"><a class="brand" href="${r}${sitePaths.index}">RFCs <span>${esc(ctx.meta.metaRepo)}</span></a>
<ul>${navItems}</ul></nav>
<form class="site-search" role="search" action="${r}${sitePaths.search}" method="get"><label for="site-q" class="vh">Search RFCs</label><input id="site-q" name="q" type="search" placeholder="Search titles and bodies"><button type="submit">Search</button></form>
</header>
<main id="main">
${o.main}
</main>
<footer class="site"><p>Generated from the RFC cache of <a href="${esc(ctx.links.repo(ctx.meta.metaRepo))}">${esc(ctx.meta.metaRepo)}</a>. <a href="${r}${sitePaths.feed}">Atom feed</a> · <a href="${r}${sitePaths.apiList}">JSON API</a> (<a href="${r}${sitePaths.apiListSchema}">schema</a>)</p></footer>
</body>
</html>
`;
}

/** A title as HTML: escaped text, with `code` spans shown as code (the only Markdown titles use). */
export function titleHtml(title: string): string {
  return esc(title).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function personLink(r: string, login: string | null): string {
  if (!login) return '<span class="none">—</span>';
  return `<a class="person" href="${r}${sitePaths.person(login)}">${esc(login)}</a>`;
}

/** "login on YYYY-MM-DD" of a header row: who did it (a person link, or a dash) and the day, when known. */
function byOn(r: string, login: string | null, at: string | null): string {
  return `${personLink(r, login)}${at ? ` on ${esc(day(at))}` : ''}`;
}

function people(r: string, logins: string[]): string {
  return logins.length ? logins.map((l) => personLink(r, l)).join(', ') : '<span class="none">none</span>';
}

function tagLinks(r: string, tags: string[]): string {
  return tags.length
    ? `<ul class="tags">${tags.map((t) => `<li><a href="${r}${sitePaths.tag(t)}">${esc(t)}</a></li>`).join('')}</ul>`
    : '<span class="none">none</span>';
}

function badge(state: string): string {
  return `<span class="badge s-${esc(state.replace(/[^a-z-]/g, ''))}">${esc(stateLabel(state))}</span>`;
}

function rfcId(id: number | null): string {
  return id === null ? '' : `<span class="rid">RFC ${esc(String(id).padStart(4, '0'))}</span>`;
}

/** One row of an RFC list (index, tag and person pages). */
export function rfcRow(r: string, rfc: RfcRecord): string {
  // The same row appears on the index, tag and people pages: build it once per root prefix.
  let rows = ROWS.get(rfc);
  if (!rows) {
    rows = new Map();
    ROWS.set(rfc, rows);
  }
  let row = rows.get(r);
  if (row === undefined) {
    row = buildRow(r, rfc);
    rows.set(r, row);
  }
  return row;
}

const ROWS = new WeakMap<RfcRecord, Map<string, string>>();

function buildRow(r: string, rfc: RfcRecord): string {
  const data = `data-state="${esc(rfc.state)}" data-tags="${esc(JSON.stringify(rfc.tags))}" data-owners="${esc(JSON.stringify(rfc.owners))}"`;
  const flags = rfc.deletedOutOfBand ? ' <span class="badge warn">entry deleted</span>' : '';
  return `<li class="rfc" ${data}><a class="title" href="${r}${sitePaths.rfc(rfc.slug)}">${titleHtml(rfc.title)}</a> ${rfcId(rfc.id)}${flags}<div class="meta"><span class="who">Owners: ${people(r, rfc.owners)}</span>${rfc.tags.length ? `<span>Tags: ${tagLinks(r, rfc.tags)}</span>` : ''}</div></li>`;
}

function groupedList(r: string, rfcs: RfcRecord[], headingLevel: 2 | 3): string {
  const byState = new Map<string, RfcRecord[]>();
  for (const rfc of rfcs) {
    const list = byState.get(rfc.state) ?? [];
    list.push(rfc);
    byState.set(rfc.state, list);
  }
  const h = `h${headingLevel}`;
  return orderedStates(byState.keys())
    .map((state) => {
      const list = byState.get(state)!;
      return `<section class="group" data-group="${esc(state)}"><${h}>${esc(stateLabel(state))} <span class="count">${list.length}</span></${h}>
<ul class="rfcs">
${list.map((x) => rfcRow(r, x)).join('\n')}
</ul></section>`;
    })
    .join('\n');
}

function select(id: string, label: string, values: string[], labelOf: (v: string) => string): string {
  const options = values.map((v) => `<option value="${esc(v)}">${esc(labelOf(v))}</option>`).join('');
  return `<span class="f"><label for="${id}">${label}</label> <select id="${id}"><option value="">Any</option>${options}</select></span>`;
}

/** The index: every RFC grouped by state, with a JS filter (hidden without JS), ideas and problems. */
export function indexPage(
  ctx: SiteContext,
  rfcs: RfcRecord[],
  ideas: IdeaRecord[],
  problems: ProblemRecord[],
): string {
  const path = sitePaths.index;
  const r = rootFrom(path);
  const counts = new Map<string, number>();
  const tags = new Set<string>();
  const owners = new Set<string>();
  for (const rfc of rfcs) {
    counts.set(rfc.state, (counts.get(rfc.state) ?? 0) + 1);
    for (const t of rfc.tags) tags.add(t);
    for (const o of rfc.owners) owners.add(o);
  }
  const states = orderedStates(counts.keys());
  const summary = states
    .map((s) => `<li>${esc(stateLabel(s))}: <strong>${counts.get(s)}</strong></li>`)
    .join('');
  const newIdea = ctx.links.newIssue(
    ctx.meta.metaRepo,
    'RFC idea: ',
    'What problem does this solve, and what do you propose?\n',
  );
  const ideasHtml = ideas.length
    ? `<details class="ideas" id="ideas"><summary>Pending ideas <span class="count">${ideas.length}</span></summary><ul>${ideas
        .map(
          (i) =>
            `<li><a href="${esc(safeHttp(i.url, ctx.links.pull(ctx.meta.metaRepo, i.number)))}">${esc(i.title)}</a> <span class="meta">#${esc(String(i.number))} · ${esc(i.slug)} · proposed by ${personLink(r, i.openedBy)} on ${esc(day(i.createdAt))}</span></li>`,
        )
        .join('')}</ul></details>`
    : '<p class="ideas none">No pending ideas.</p>';
  const problemsHtml = problems.length
    ? `<p class="notice"><a href="${r}${sitePaths.problems}">${problems.length} entry ${problems.length === 1 ? 'file fails' : 'files fail'} validation</a> and ${problems.length === 1 ? 'is' : 'are'} not listed here.</p>`
    : '';
  const main = `<h1>RFCs</h1>
<ul class="summary"><li>Total: <strong>${rfcs.length}</strong></li>${summary}</ul>
<p class="actions"><a class="button" href="${esc(newIdea)}">Propose a new idea</a> <a href="${esc(ctx.links.pulls(ctx.meta.metaRepo))}">Open pull requests on Gitea</a></p>
${problemsHtml}
${ideasHtml}
<form id="filter" class="filter" hidden aria-label="Filter RFCs">
${select('f-state', 'State', states, stateLabel)}
${select('f-tag', 'Tag', [...tags].sort(cmp), (v) => v)}
${select('f-owner', 'Owner', [...owners].sort(cmp), (v) => v)}
<output id="f-count" for="f-state f-tag f-owner" aria-live="polite"></output>
</form>
${rfcs.length ? groupedList(r, rfcs, 2) : '<p class="none">No RFCs yet.</p>'}`;
  return layout(ctx, { path, title: 'All RFCs', main, scripts: [sitePaths.filterJs], current: 'index' });
}

function row(label: string, value: string): string {
  return `<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
}

function tocHtml(toc: TocEntry[]): string {
  const entries = toc.filter((t) => t.level >= 1 && t.level <= 3);
  if (entries.length < 2) return '';
  const min = Math.min(...entries.map((t) => t.level));
  return `<nav class="toc" id="toc" aria-labelledby="toc-h"><h2 id="toc-h">Contents</h2><ol>${entries
    .map((t) => `<li class="l${t.level - min}"><a href="#${esc(t.id)}">${esc(t.text)}</a></li>`)
    .join('')}</ol></nav>`;
}

function prItem(ctx: SiteContext, r: string, pr: PrRecord, byKey: Map<string, PrRecord>): string {
  const url = safeHttp(pr.url, ctx.links.pull(pr.repo, pr.number));
  const bits: string[] = [
    `${esc(pr.kind)}`,
    `opened by ${personLink(r, pr.openedBy)} on ${esc(day(pr.createdAt))}`,
  ];
  if (pr.openedBy !== pr.authorLogin && pr.authorLogin) bits.push(`via ${esc(pr.authorLogin)}`);
  if (pr.state === 'merged')
    bits.push(`merged ${esc(day(pr.mergedAt))}${pr.mergedBy ? ` by ${personLink(r, pr.mergedBy)}` : ''}`);
  if (pr.state === 'closed' && pr.closedAt) bits.push(`closed ${esc(day(pr.closedAt))}`);
  if (pr.state === 'withdrawn')
    bits.push(`withdrawn${pr.withdrawnBy ? ` by ${personLink(r, pr.withdrawnBy)}` : ''}`);
  const prLink = (n: number) => {
    const other = byKey.get(`${pr.repo}#${n}`);
    return `<a href="${esc(safeHttp(other?.url, ctx.links.pull(pr.repo, n)))}">#${esc(String(n))}</a>`;
  };
  if (pr.supersededBy !== null) {
    bits.push(
      `superseded by ${prLink(pr.supersededBy)}${pr.supersededByLogin ? ` (${personLink(r, pr.supersededByLogin)})` : ''}`,
    );
  }
  if (pr.supersedes.length) bits.push(`supersedes ${pr.supersedes.map(prLink).join(', ')}`);
  return `<li><a href="${esc(url)}">${esc(pr.repo)}#${esc(String(pr.number))}</a> ${esc(pr.title)}<span class="meta">${bits.join(' · ')}</span></li>`;
}

function prSection(ctx: SiteContext, r: string, rfc: RfcRecord): string {
  if (!rfc.prs.length)
    return '<section id="prs"><h2>Pull requests</h2><p class="none">No pull requests yet.</p></section>';
  const byKey = new Map(rfc.prs.map((p) => [`${p.repo}#${p.number}`, p]));
  const groups = PR_STATE_ORDER.map((state) => {
    const list = rfc.prs.filter((p) => p.state === state);
    if (!list.length) return '';
    return `<h3>${state[0]!.toUpperCase()}${state.slice(1)} <span class="count">${list.length}</span></h3><ul class="prs" data-pr-state="${state}">${list
      .map((p) => prItem(ctx, r, p, byKey))
      .join('')}</ul>`;
  }).join('');
  return `<section id="prs"><h2>Pull requests</h2>${groups}</section>`;
}

function branchSection(ctx: SiteContext, rfc: RfcRecord): string {
  if (!rfc.branches.length) return '';
  const withOpenPr = new Set(rfc.prs.filter((p) => p.state === 'open').map((p) => `${p.repo}\n${p.head}`));
  const mainOf = (repo: string) =>
    repo === ctx.meta.metaRepo
      ? ctx.meta.defaultBranch
      : (rfc.branches.find((x) => x.repo === repo && x.kind === 'main')?.name ?? 'main');
  const rows = rfc.branches
    .map((b) => {
      // An open branch with no open PR yet gets Gitea's compare page, where its PR is opened.
      const openPr =
        b.state === 'open' && !b.synthetic && b.kind !== 'main' && !withOpenPr.has(`${b.repo}\n${b.name}`)
          ? ` <a class="meta" href="${esc(ctx.links.compare(b.repo, mainOf(b.repo), b.name))}">open a pull request</a>`
          : '';
      const name =
        b.state === 'deleted'
          ? `<del>${esc(b.name)}</del>`
          : `<a href="${esc(ctx.links.src(b.repo, '', b.name))}">${esc(b.name)}</a>${openPr}`;
      const sha = b.headSha ? `<code>${esc(b.headSha.slice(0, 10))}</code>` : '';
      return `<tr><td>${name}${b.synthetic ? ' <span class="meta">(main tip)</span>' : ''}</td><td>${esc(b.repo)}</td><td>${esc(b.kind)}</td><td><span class="badge b-${esc(b.state.replace(/[^a-z]/g, ''))}">${esc(b.state)}</span></td><td>${sha}</td></tr>`;
    })
    .join('');
  return `<section id="branches"><h2>Branches</h2><div class="scroll"><table class="branches"><thead><tr><th scope="col">Branch</th><th scope="col">Repo</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Head</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** Where an RFC's body lives in Gitea: the entry file, or `RFC.md` in its own repo. */
export function bodyLocation(
  ctx: SiteContext,
  rfc: RfcRecord,
): { repo: string; path: string; branch: string } {
  if (rfc.bodySource === 'rfc-repo' && rfc.repo) return { repo: rfc.repo, path: 'RFC.md', branch: 'main' };
  return { repo: ctx.meta.metaRepo, path: rfc.entryPath, branch: ctx.meta.defaultBranch };
}

/** One RFC: header table, actions, contents, body, branches and PRs. */
export function rfcPage(ctx: SiteContext, rfc: RfcRecord, body: RenderedBody): string {
  const path = sitePaths.rfc(rfc.slug);
  const r = rootFrom(path);
  const L = ctx.links;
  const loc = bodyLocation(ctx, rfc);
  const meta = ctx.meta.metaRepo;
  const actions = [
    `<a class="button" href="${esc(L.edit(loc.repo, loc.path, loc.branch))}">Suggest an edit</a>`,
    `<a href="${esc(L.src(loc.repo, loc.path, loc.branch))}">View source</a>`,
    rfc.repo ? `<a href="${esc(L.repo(rfc.repo))}">RFC repo</a>` : '',
    `<a href="${esc(L.pulls(rfc.repo ?? meta))}">Pull requests on Gitea</a>`,
    `<a href="${esc(L.newIssue(meta, 'RFC idea: ', `Related to ${rfc.title} (${rfc.slug}).\n`))}">Propose a new idea</a>`,
    `<a href="${r}${sitePaths.rfcJson(rfc.slug)}">JSON</a>`,
  ]
    .filter(Boolean)
    .join(' ');
  const header = `<table class="header"><tbody>
${row('State', `${badge(rfc.state)}${rfc.deletedOutOfBand ? ' <span class="badge warn">entry file deleted outside the process</span>' : ''}`)}
${row('ID', rfc.id === null ? '<span class="none">not assigned</span>' : esc(String(rfc.id)))}
${row('Slug', `<code>${esc(rfc.slug)}</code>`)}
${row('Owners', people(r, rfc.owners))}
${row('Arbiters', people(r, rfc.arbiters))}
${row('Tags', tagLinks(r, rfc.tags))}
${row('Proposed', byOn(r, rfc.proposedBy, rfc.proposedAt))}
${row('Graduated', rfc.graduatedBy || rfc.graduatedAt ? byOn(r, rfc.graduatedBy, rfc.graduatedAt) : '<span class="none">not yet</span>')}
${rfc.state === 'withdrawn' ? `${row('Withdrawn', rfc.withdrawnBy || rfc.withdrawnAt ? byOn(r, rfc.withdrawnBy, rfc.withdrawnAt) : '<span class="none">date not recorded</span>')}\n` : ''}${row('Repo', rfc.repo ? `<a href="${esc(L.repo(rfc.repo))}">${esc(rfc.repo)}</a>` : '<span class="none">none (not graduated)</span>')}
${row('Entry', `<a href="${esc(L.src(meta, rfc.entryPath, ctx.meta.defaultBranch))}">${esc(rfc.entryPath)}</a>`)}
</tbody></table>`;
  const source = rfc.bodySource === 'rfc-repo' ? `RFC.md in ${esc(rfc.repo ?? '')}` : `the entry file`;
  const main = `<nav class="crumbs" aria-label="Breadcrumb"><a href="${r}${sitePaths.index}">All RFCs</a> › ${esc(stateLabel(rfc.state))}</nav>
<h1>${titleHtml(rfc.title)} ${rfcId(rfc.id)}</h1>
<p class="actions">${actions}</p>${
    loc.repo === meta
      ? `\n<p class="meta hint">In Gitea's editor, commit to a new branch named <code>edit/${esc(rfc.slug)}/your-change</code> and open its pull request: the name ties the pull request to this RFC.</p>`
      : ''
  }
<section id="about" aria-label="Summary">${header}</section>
${tocHtml(body.toc)}
<article id="body" class="body" aria-label="RFC text"><p class="meta source">Text from ${source}.</p>
${body.html}</article>
${branchSection(ctx, rfc)}
${prSection(ctx, r, rfc)}`;
  return layout(ctx, { path, title: rfc.title, main });
}

/** The list of all tags with counts. */
export function tagsPage(ctx: SiteContext, tags: Map<string, RfcRecord[]>): string {
  const path = sitePaths.tags;
  const r = rootFrom(path);
  const items = [...tags.keys()]
    .sort(cmp)
    .map(
      (t) =>
        `<li><a href="${r}${sitePaths.tag(t)}">${esc(t)}</a> <span class="count">${tags.get(t)!.length}</span></li>`,
    )
    .join('');
  const main = `<h1>Tags</h1>${items ? `<ul class="cloud">${items}</ul>` : '<p class="none">No tags yet.</p>'}`;
  return layout(ctx, { path, title: 'Tags', main, current: 'tags' });
}

/** One tag: its RFCs grouped by state. */
export function tagPage(ctx: SiteContext, tag: string, rfcs: RfcRecord[]): string {
  const path = sitePaths.tag(tag);
  const r = rootFrom(path);
  const main = `<nav class="crumbs" aria-label="Breadcrumb"><a href="${r}${sitePaths.tags}">Tags</a></nav>
<h1>Tag: ${esc(tag)}</h1>
${groupedList(r, rfcs, 2)}`;
  return layout(ctx, { path, title: `Tag ${tag}`, main, current: 'tags' });
}

/** What one person does across the process. */
export interface PersonActivity {
  owns: RfcRecord[];
  arbitrates: RfcRecord[];
  proposed: RfcRecord[];
  graduated: RfcRecord[];
  withdrew: RfcRecord[];
  ideas: IdeaRecord[];
  prs: { rfc: RfcRecord; pr: PrRecord }[];
}

/** The list of everyone who appears in the artifact. */
export function peoplePage(ctx: SiteContext, persons: Map<string, PersonActivity>): string {
  const path = sitePaths.people;
  const r = rootFrom(path);
  const items = [...persons.keys()]
    .sort(cmp)
    .map((login) => {
      const a = persons.get(login)!;
      return `<tr><td><a href="${r}${sitePaths.person(login)}">${esc(login)}</a></td><td>${a.owns.length}</td><td>${a.arbitrates.length}</td><td>${a.proposed.length}</td><td>${a.graduated.length}</td><td>${a.withdrew.length}</td><td>${a.prs.length}</td></tr>`;
    })
    .join('');
  const main = `<h1>People</h1>${
    items
      ? `<div class="scroll"><table class="people"><thead><tr><th scope="col">Login</th><th scope="col">Owns</th><th scope="col">Arbitrates</th><th scope="col">Proposed</th><th scope="col">Graduated</th><th scope="col">Withdrew</th><th scope="col">PRs</th></tr></thead><tbody>${items}</tbody></table></div>`
      : '<p class="none">Nobody yet.</p>'
  }`;
  return layout(ctx, { path, title: 'People', main, current: 'people' });
}

function simpleList(r: string, title: string, rfcs: RfcRecord[]): string {
  return `<section><h2>${title} <span class="count">${rfcs.length}</span></h2>${
    rfcs.length
      ? `<ul class="rfcs">${rfcs.map((x) => rfcRow(r, x)).join('')}</ul>`
      : '<p class="none">None.</p>'
  }</section>`;
}

/** One person: what they own, arbitrate, proposed, graduated, withdrew, and the PRs they opened. */
export function personPage(ctx: SiteContext, login: string, a: PersonActivity): string {
  const path = sitePaths.person(login);
  const r = rootFrom(path);
  const ideas = a.ideas.length
    ? `<section><h2>Pending ideas <span class="count">${a.ideas.length}</span></h2><ul>${a.ideas
        .map(
          (i) =>
            `<li><a href="${esc(safeHttp(i.url, ctx.links.pull(ctx.meta.metaRepo, i.number)))}">${esc(i.title)}</a> <span class="meta">#${esc(String(i.number))} · ${esc(day(i.createdAt))}</span></li>`,
        )
        .join('')}</ul></section>`
    : '';
  const prs = a.prs.length
    ? `<section><h2>Pull requests opened <span class="count">${a.prs.length}</span></h2><ul>${a.prs
        .map(
          ({ rfc, pr }) =>
            `<li><a href="${esc(safeHttp(pr.url, ctx.links.pull(pr.repo, pr.number)))}">${esc(pr.repo)}#${esc(String(pr.number))}</a> ${esc(pr.title)} <span class="meta">${esc(pr.state)} · on <a href="${r}${sitePaths.rfc(rfc.slug)}">${esc(rfc.title)}</a></span></li>`,
        )
        .join('')}</ul></section>`
    : '';
  const main = `<nav class="crumbs" aria-label="Breadcrumb"><a href="${r}${sitePaths.people}">People</a></nav>
<h1>${esc(login)}</h1>
<p class="actions"><a href="${esc(ctx.links.repo(login))}">Profile on Gitea</a></p>
${simpleList(r, 'Owns', a.owns)}
${simpleList(r, 'Arbitrates', a.arbitrates)}
${simpleList(r, 'Proposed', a.proposed)}
${a.graduated.length ? simpleList(r, 'Graduated', a.graduated) : ''}${a.withdrew.length ? `\n${simpleList(r, 'Withdrew', a.withdrew)}` : ''}
${ideas}
${prs}`;
  return layout(ctx, { path, title: login, main, current: 'people' });
}

/** Entry files that failed validation, with every reason. */
export function problemsPage(ctx: SiteContext, problems: ProblemRecord[]): string {
  const path = sitePaths.problems;
  const items = problems
    .map((p) => {
      const reasons = p.reasons
        .map(
          (x) =>
            `<li>${x.field ? `<code>${esc(x.field)}</code>: ` : ''}${esc(x.message)}${x.line !== null ? ` <span class="meta">(line ${esc(String(x.line))})</span>` : ''}</li>`,
        )
        .join('');
      return `<li><a href="${esc(ctx.links.src(ctx.meta.metaRepo, p.file, ctx.meta.defaultBranch))}"><code>${esc(p.file)}</code></a> <a class="meta" href="${esc(ctx.links.edit(ctx.meta.metaRepo, p.file, ctx.meta.defaultBranch))}">fix on Gitea</a><ul>${reasons}</ul></li>`;
    })
    .join('');
  const main = `<h1>Problems</h1>
<p>Entry files in <code>rfcs/</code> that fail validation. They are skipped everywhere else until fixed.</p>
${items ? `<ul class="problems">${items}</ul>` : '<p class="none">No problems: every entry file is valid.</p>'}`;
  return layout(ctx, { path, title: 'Problems', main, current: 'problems' });
}

/** The search page: a form and a result list filled by `assets/search.js` from the prebuilt index. */
export function searchPage(ctx: SiteContext): string {
  const path = sitePaths.search;
  const main = `<h1>Search</h1>
<form class="search-form" role="search" action="${sitePaths.search}" method="get"><label for="q">Words in titles, tags, people and bodies</label><input id="q" name="q" type="search" autocomplete="off"><button type="submit">Search</button></form>
<p id="search-status" role="status" aria-live="polite">Search runs in your browser and needs JavaScript. The <a href="${sitePaths.index}">index</a> lists every RFC.</p>
<ol id="results" class="results"></ol>`;
  return layout(ctx, {
    path,
    title: 'Search',
    main,
    scripts: [sitePaths.searchIndex, sitePaths.searchJs],
    current: 'search',
  });
}
