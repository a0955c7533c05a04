/**
 * What one action run did, collected as it goes so a failure half-way still reports the
 * writes made before it: outputs, counts, entry problems, writes with links. Rendered into
 * the job summary and annotations by pure functions.
 */
import type { ProblemRecord } from '../cache/model.ts';
import type { ActionCommand, OutputName } from './inputs.ts';

/** One line the runner shows against a file (`::warning file=…,line=…::`). */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
  file: string | null;
  line: number | null;
}

/** One thing the run wrote to Gitea (or found already written). */
export interface WriteRecord {
  what: string;
  url: string | null;
  /** true when the gate found the write already done and wrote nothing */
  prior: boolean;
}

/** The growing record of one run. */
export class RunReport {
  readonly outputs: Partial<Record<OutputName, string>> = {};
  readonly counts: Array<[string, number]> = [];
  readonly writes: WriteRecord[] = [];
  readonly notes: string[] = [];
  problems: ProblemRecord[] = [];
  /** web URL prefix of the meta repo's files on its default branch, for links */
  fileBase: string | null = null;

  output(name: OutputName, value: string): void {
    this.outputs[name] = value;
  }

  count(label: string, n: number): void {
    const at = this.counts.findIndex(([l]) => l === label);
    if (at >= 0) this.counts[at] = [label, n];
    else this.counts.push([label, n]);
  }

  wrote(what: string, url: string | null, prior = false): void {
    this.writes.push({ what, url, prior });
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/** One warning per problem reason, pointing at the entry file and line. */
export function problemAnnotations(problems: ProblemRecord[]): Annotation[] {
  return problems.flatMap((p) =>
    (p.reasons.length > 0 ? p.reasons : [{ field: null, line: null, message: 'invalid entry' }]).map((r) => ({
      level: 'warning' as const,
      title: 'RFC entry skipped',
      message: `${p.file}: ${r.field ? `"${r.field}": ` : ''}${r.message.replace(/\.$/, '')}. Fix the file; the entry is left out of the cache and the site until then.`,
      file: p.file,
      line: r.line,
    })),
  );
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function link(text: string, url: string | null): string {
  return url ? `[${escapeCell(text)}](${encodeURI(decodeURI(url)).replace(/\|/g, '%7C')})` : escapeCell(text);
}

/** The job summary (Markdown): counts, problems, writes with links, and the failure if any. */
export function renderSummary(
  command: ActionCommand,
  report: RunReport,
  failure: string | null,
  fileUrl: (file: string) => string | null = () => null,
): string {
  const out: string[] = [`## rfc-actions ${command}: ${failure ? 'failed' : 'done'}`, ''];
  if (failure) out.push(`> **Error:** ${failure.replace(/\n/g, '\n> ')}`, '');
  if (report.counts.length > 0) {
    out.push('| | count |', '| --- | ---: |');
    for (const [label, n] of report.counts) out.push(`| ${escapeCell(label)} | ${n} |`);
    out.push('');
  }
  out.push(`### Written (${report.writes.length})`, '');
  if (report.writes.length === 0) out.push('Nothing was written.', '');
  else {
    for (const w of report.writes)
      out.push(`- ${link(w.what, w.url)}${w.prior ? ' (already done earlier; not written again)' : ''}`);
    out.push('');
  }
  out.push(`### Problems (${report.problems.length})`, '');
  if (report.problems.length === 0) out.push('Every entry file parsed.', '');
  else {
    out.push('| file | line | reason |', '| --- | ---: | --- |');
    for (const p of report.problems) {
      for (const r of p.reasons) {
        const why = `${r.field ? `\`${r.field}\`: ` : ''}${r.message}`;
        out.push(`| ${link(p.file, fileUrl(p.file))} | ${r.line ?? ''} | ${escapeCell(why)} |`);
      }
    }
    out.push('');
  }
  for (const n of report.notes) out.push(`- ${n}`);
  if (report.notes.length > 0) out.push('');
  return `${out.join('\n')}\n`;
}
