/** The hostile artifact for the XSS and path-safety tests, built from the vectors in `fixtures/`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact, PrRecord, RfcRecord } from '../../src/cache/model.ts';
import { sampleArtifact } from '../../src/site/sample.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface HostileValues {
  titles: string[];
  slugs: string[];
  tags: string[];
  logins: string[];
  urls: string[];
}

/** Vectors of one corpus file: blocks separated by `----`, `#` comment lines at the top dropped. */
export function readVectors(file: string): string[] {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  return text
    .split(/^----$/m)
    .map((block) => block.replace(/^(#[^\n]*\n)+/, '').trim())
    .filter((b) => b !== '');
}

export function hostileValues(): HostileValues {
  return JSON.parse(readFileSync(join(FIXTURES, 'hostile-values.json'), 'utf8')) as HostileValues;
}

function pr(repo: string, n: number, v: HostileValues, i: number): PrRecord {
  const login = v.logins[i % v.logins.length]!;
  return {
    repo,
    number: n,
    title: v.titles[i % v.titles.length]!,
    kind: 'edit',
    head: `edit/${v.slugs[i % v.slugs.length]}/x`,
    base: 'main',
    state: (['open', 'merged', 'closed', 'withdrawn'] as const)[i % 4]!,
    openedBy: login,
    authorLogin: v.logins[(i + 1) % v.logins.length]!,
    url: v.urls[i % v.urls.length]!,
    createdAt: '2026-01-05T10:00:00Z',
    updatedAt: '2026-01-06T10:00:00Z',
    mergedAt: i % 4 === 1 ? '2026-01-06T10:00:00Z' : null,
    closedAt: i % 4 >= 1 ? '2026-01-06T10:00:00Z' : null,
    mergedBy: i % 4 === 1 ? login : null,
    supersedes: [],
    supersededBy: i % 4 === 2 ? n + 1 : null,
    supersededByLogin: i % 4 === 2 ? login : null,
    withdrawnBy: i % 4 === 3 ? login : null,
    giteaState: 'open',
    trailerLogin: null,
  };
}

/**
 * An artifact whose bodies are the markdown-it and OWASP vectors and whose titles, tags, logins,
 * slugs and URLs carry the hostile values; plus a few ordinary RFCs.
 */
export function hostileArtifact(): Artifact {
  const v = hostileValues();
  v.slugs.push('x'.repeat(300));
  const base = sampleArtifact({ rfcs: 3, seed: 7 });
  const bodies = [
    ...readVectors('markdown-it-xss.txt').map((b, i) => ({ name: `md-${i}`, body: b })),
    ...readVectors('owasp-filter-evasion.txt').map((b, i) => ({ name: `owasp-${i}`, body: b })),
  ];
  const template = base.rfcs[0]!;
  const rfcs: RfcRecord[] = [...base.rfcs];
  bodies.forEach(({ name, body }, i) => {
    rfcs.push({
      ...template,
      slug: name,
      title: `${name}: ${v.titles[i % v.titles.length]}`,
      tags: [v.tags[i % v.tags.length]!],
      owners: [v.logins[i % v.logins.length]!],
      arbiters: [v.logins[(i + 2) % v.logins.length]!],
      proposedBy: v.logins[(i + 3) % v.logins.length]!,
      body: `# ${v.titles[i % v.titles.length]}\n\n${body}\n\n## site-q\n\n## toc\n`,
      prs: [pr('rfcs/meta', 10 + i, v, i)],
      branches: [],
    });
  });
  v.slugs.forEach((slug, i) => {
    rfcs.push({
      ...template,
      slug,
      title: v.titles[i % v.titles.length]!,
      tags: [v.tags[i % v.tags.length]!, v.tags[(i + 1) % v.tags.length]!],
      owners: [v.logins[i % v.logins.length]!],
      arbiters: [],
      repo: i % 2 ? `rfcs/${slug}` : null,
      state: (['active', 'super-draft', 'withdrawn'] as const)[i % 3]!,
      withdrawnBy: i % 3 === 2 ? v.logins[(i + 1) % v.logins.length]! : null,
      withdrawnAt: i % 3 === 2 ? '2026-02-01T10:00:00Z' : null,
      bodySource: i % 2 ? 'rfc-repo' : 'entry',
      entryPath: `rfcs/${slug}.md`,
      body: `Body of ${slug}: [rel](../${slug}) ![img](${slug}.png)`,
      prs: [pr(`rfcs/${slug}`, 1, v, i)],
      branches: [
        {
          repo: 'rfcs/meta',
          name: `edit/${slug}/x`,
          kind: 'edit',
          state: 'open',
          headSha: null,
          synthetic: false,
        },
      ],
    });
  });
  return {
    ...base,
    rfcs,
    ideas: v.titles.map((title, i) => ({
      slug: v.slugs[i % v.slugs.length]!,
      title,
      number: 900 + i,
      url: v.urls[i % v.urls.length]!,
      openedBy: v.logins[i % v.logins.length]!,
      createdAt: '2026-02-01T00:00:00Z',
      updatedAt: '2026-02-01T00:00:00Z',
    })),
    problems: [
      ...base.problems,
      {
        file: `rfcs/${v.titles[0]}.md`,
        sha: null,
        reasons: [{ field: v.titles[1]!, line: 1, message: v.titles[2]! }],
      },
    ],
  };
}
