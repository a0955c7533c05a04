/** Fault injection per route: error statuses, latency, timeouts and dropped responses. */

export interface FaultRule {
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Swagger path template to match (`/repos/{owner}/{repo}/pulls`), or `git` for git over HTTP; any when absent. */
  route?: string;
  /** Answer with this status (and an APIError body) without running the handler. */
  status?: number;
  /** Wait this long before handling. */
  latencyMs?: number;
  /** Never answer: hold the request, then destroy the socket (after `timeout` ms when a number, else 60 s). */
  timeout?: boolean | number;
  /** Run the handler fully (the write happens), then destroy the socket without a reply. */
  dropResponse?: boolean;
  /** Apply this many times, then remove the rule; forever when absent. */
  times?: number;
  /** Seconds for a `Retry-After` header on the injected status. */
  retryAfter?: number;
}

export interface StoredFault extends FaultRule {
  id: number;
}

/** The active fault rules; the first rule that matches a request applies. */
export class Faults {
  private rules: StoredFault[] = [];
  private nextId = 1;

  /** Adds a rule; returns the function that removes it. */
  add(rule: FaultRule): () => void {
    const stored = { ...rule, id: this.nextId++ };
    this.rules.push(stored);
    return () => this.remove(stored.id);
  }

  /** Adds a rule and returns its id (for the HTTP admin endpoint). */
  addWithId(rule: FaultRule): number {
    const id = this.nextId;
    this.add(rule);
    return id;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): StoredFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The rule for this request, counting one use of it. */
  take(method: string, route: string): StoredFault | null {
    const m = method.toUpperCase();
    const rule = this.rules.find(
      (r) =>
        (r.method === undefined || r.method.toUpperCase() === m) &&
        (r.route === undefined || r.route === route),
    );
    if (!rule) return null;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) this.remove(rule.id);
    }
    return { ...rule };
  }
}

/** Checks an untrusted rule (from the admin endpoint); returns an error message or null. */
export function validateFaultRule(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the fault rule must be a JSON object';
  const r = v as Record<string, unknown>;
  const types: Record<string, string[]> = {
    method: ['string'],
    route: ['string'],
    status: ['number'],
    latencyMs: ['number'],
    timeout: ['boolean', 'number'],
    dropResponse: ['boolean'],
    times: ['number'],
    retryAfter: ['number'],
  };
  for (const [k, val] of Object.entries(r)) {
    const allowed = types[k];
    if (!allowed) return `unknown fault field "${k}"; allowed: ${Object.keys(types).join(', ')}`;
    if (!allowed.includes(typeof val)) return `fault field "${k}" must be ${allowed.join(' or ')}`;
  }
  return null;
}
