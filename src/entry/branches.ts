/** Classifies meta-repo branch names by the process's naming rules (PRODUCT.md lifecycle). */
import { isValidSlug } from './syntax.ts';

export type BranchKind = 'propose' | 'edit' | 'metadata' | 'claim' | 'other';

export interface BranchClass {
  kind: BranchKind;
  slug: string | null;
}

const RULES: { kind: Exclude<BranchKind, 'other'>; re: RegExp }[] = [
  { kind: 'propose', re: /^propose\/([^/]+)$/ },
  { kind: 'edit', re: /^edit\/([^/]+)\/[^/]+(?:\/[^/]+)*$/ },
  { kind: 'edit', re: /^edit-(.+)-[0-9a-f]{6}$/ },
  { kind: 'metadata', re: /^metadata\/([^/]+)$/ },
  { kind: 'metadata', re: /^metadata-(.+)-[0-9a-f]{6}$/ },
  { kind: 'claim', re: /^claim\/([^/]+)$/ },
];

/**
 * The kind and slug of a branch: `propose/<slug>`, `edit/<slug>/<name>`, `edit-<slug>-<6hex>`,
 * `metadata/<slug>`, `metadata-<slug>-<6hex>`, `claim/<slug>`; anything else is `other`.
 */
export function classifyBranch(name: string): BranchClass {
  for (const { kind, re } of RULES) {
    const m = re.exec(name);
    if (m && isValidSlug(m[1]!)) return { kind, slug: m[1]! };
  }
  return { kind: 'other', slug: null };
}

/** A fresh `edit-<slug>-<hex>` / `metadata-<slug>-<hex>` name; `hex` is 6 lowercase hex digits chosen by the caller. */
export function dashedBranchName(kind: 'edit' | 'metadata', slug: string, hex: string): string {
  if (!isValidSlug(slug)) throw new Error(`invalid slug "${slug}" for a ${kind} branch name`);
  if (!/^[0-9a-f]{6}$/.test(hex)) throw new Error(`branch suffix "${hex}" must be 6 lowercase hex digits`);
  return `${kind}-${slug}-${hex}`;
}
