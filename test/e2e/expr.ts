/**
 * A small evaluator for the `${{ }}` expressions our workflow files use: property paths
 * (`github.event.comment.body`, `steps.gate.outputs.changed`, `inputs.op-input`), string and
 * number literals, `== != && || !`, parentheses, and `contains`, `startsWith`, `endsWith`,
 * `success`, `failure`, `always`. Comparison follows the Actions rules for strings
 * (case-insensitive) and null; anything else is an error, so a workflow that needs more is
 * noticed instead of guessed.
 */

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value } | undefined;

export interface ExprContext {
  [root: string]: Value;
}

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      for (i++; i < src.length; i++) {
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i++;
        } else if (src[i] === "'") break;
        else s += src[i];
      }
      if (src[i] !== "'") throw new Error(`unterminated string in "${src}"`);
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('!(),'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(src.slice(i));
    if (!id) throw new Error(`unexpected "${c}" in "${src}"`);
    out.push({ t: 'id', v: id[0] });
    i += id[0].length;
  }
  return out;
}

function str(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function truthy(v: Value): boolean {
  return !(v === null || v === undefined || v === false || v === 0 || v === '');
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return (a ?? null) === (b ?? null);
}

/** Evaluates one expression (without the `${{ }}`) against the context. */
export function evaluate(
  src: string,
  ctx: ExprContext,
  status: { failed: boolean } = { failed: false },
): Value {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v: string) => {
    const t = toks[p];
    if (t?.t !== 'op' || t.v !== v) throw new Error(`expected "${v}" in "${src}"`);
    p++;
  };
  const primary = (): Value => {
    const t = toks[p++];
    if (!t) throw new Error(`unexpected end of "${src}"`);
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'op' && t.v === '(') {
      const v = or();
      eat(')');
      return v;
    }
    if (t.t === 'op' && t.v === '!') return !truthy(primary());
    if (t.t !== 'id') throw new Error(`unexpected "${t.v}" in "${src}"`);
    if (peek()?.t === 'op' && peek()!.v === '(') {
      p++;
      const args: Value[] = [];
      while (!(peek()?.t === 'op' && peek()!.v === ')')) {
        args.push(or());
        if (peek()?.t === 'op' && peek()!.v === ',') p++;
      }
      eat(')');
      switch (t.v) {
        case 'contains':
          return Array.isArray(args[0])
            ? args[0].some((x) => equal(x, args[1]))
            : str(args[0]).toLowerCase().includes(str(args[1]).toLowerCase());
        case 'startsWith':
          return str(args[0]).toLowerCase().startsWith(str(args[1]).toLowerCase());
        case 'endsWith':
          return str(args[0]).toLowerCase().endsWith(str(args[1]).toLowerCase());
        case 'success':
          return !status.failed;
        case 'failure':
          return status.failed;
        case 'always':
          return true;
        default:
          throw new Error(`function "${t.v}" is not supported`);
      }
    }
    if (t.v === 'true') return true;
    if (t.v === 'false') return false;
    if (t.v === 'null') return null;
    let v: Value = ctx;
    for (const part of t.v.split('.')) {
      v =
        v !== null && typeof v === 'object' && !Array.isArray(v)
          ? (v as Record<string, Value>)[part]
          : undefined;
    }
    return v ?? null;
  };
  const cmp = (): Value => {
    let left = primary();
    while (peek()?.t === 'op' && (peek()!.v === '==' || peek()!.v === '!=')) {
      const op = toks[p++]!.v;
      const right = primary();
      left = op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  };
  const and = (): Value => {
    let left = cmp();
    while (peek()?.t === 'op' && peek()!.v === '&&') {
      p++;
      const right = cmp();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (peek()?.t === 'op' && peek()!.v === '||') {
      p++;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const v = or();
  if (p !== toks.length) throw new Error(`unexpected "${toks[p]!.v}" in "${src}"`);
  return v;
}

/** Expands every `${{ }}` in a string. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, e: string) => str(evaluate(e, ctx)));
}

/** Evaluates an `if:` value (bare or wrapped in `${{ }}`); an absent `if:` means `success()`. */
export function condition(expr: string | undefined, ctx: ExprContext, status: { failed: boolean }): boolean {
  if (expr === undefined) return !status.failed;
  const bare = expr.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const usesStatus = /\b(success|failure|always)\s*\(/.test(bare);
  const v = truthy(evaluate(bare, ctx, status));
  return usesStatus ? v : v && !status.failed;
}
