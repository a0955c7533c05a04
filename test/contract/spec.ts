import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Location of Gitea 1.23.8's Swagger 2.0 document, resolved from this file. */
export const SPEC_URL = new URL('../../../shared/gitea/swagger.v1.json', import.meta.url);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** How a documented response carries its body. */
export type BodyKind = 'json' | 'text' | 'empty' | 'error';

/** One documented (method, template, status) triple. */
export interface ResponseContract {
  kind: BodyKind;
  /** Definition or response name the schema came from, for the report table. */
  schemaName: string;
  validate: ValidateFunction | null;
}

/** Result of checking one response against the spec. */
export type CheckResult = { ok: true; schemaName: string } | { ok: false; problem: string };

/**
 * Fields that Gitea serializes as JSON `null` although the spec only gives the non-null type:
 * Go pointer fields and nil slices in modules/structs (pull.go, issue.go, repo.go, user.go,
 * hook.go) are written as `null` by encoding/json.
 */
const NULLABLE: Record<string, readonly string[]> = {
  // modules/structs/pull.go: pointer fields and slices that stay nil when empty.
  PullRequest: [
    'milestone',
    'assignee',
    'assignees',
    'merged_at',
    'merge_commit_sha',
    'merged_by',
    'due_date',
    'closed_at',
    'requested_reviewers',
    'requested_reviewers_teams',
  ],
  // modules/structs/issue.go: Milestone, Assignee, Closed, Deadline, PullRequest are pointers;
  // services/convert/issue.go leaves Assignees nil when nobody is assigned.
  Issue: ['milestone', 'assignee', 'assignees', 'closed_at', 'due_date', 'pull_request', 'assets'],
  // modules/structs/issue.go PullRequestMeta.Merged is *time.Time.
  PullRequestMeta: ['merged_at'],
  // modules/structs/issue_comment.go: Attachments slice is nil without attachments.
  Comment: ['assets'],
  // modules/structs/pull.go PRBranchInfo.Repository is a pointer.
  PRBranchInfo: ['repo'],
  // modules/structs/repo.go: Parent, Permissions, InternalTracker, ExternalTracker, ExternalWiki
  // and RepoTransfer are pointers; Topics and Licenses are slices that stay nil when empty.
  Repository: [
    'parent',
    'permissions',
    'internal_tracker',
    'external_tracker',
    'external_wiki',
    'repo_transfer',
    'topics',
    'licenses',
  ],
  // modules/structs/repo_file.go: FileResponse parts are pointers; FilesResponse.Files holds nil
  // for a deleted file (`files[]`: the items, not the list); ContentsResponse uses *string for the
  // parts a directory or non-symlink lacks.
  FileResponse: ['content', 'commit', 'verification'],
  FilesResponse: ['files[]', 'commit', 'verification'],
  ContentsResponse: [
    'encoding',
    'content',
    'target',
    'url',
    'html_url',
    'git_url',
    'download_url',
    'submodule_git_url',
    '_links',
  ],
  // modules/structs/repo_branch.go Branch.Commit is a pointer.
  Branch: ['commit'],
  // modules/structs/hook.go PayloadCommit: Author/Committer/Verification are pointers;
  // Added/Removed/Modified are nil slices outside push payloads.
  PayloadCommit: ['author', 'committer', 'verification', 'added', 'removed', 'modified'],
  // modules/structs/repo_commit.go Commit: Author/Committer (*User), Parents, Files, Stats.
  Commit: ['author', 'committer', 'parents', 'files', 'stats'],
  // modules/structs/repo_file.go FileCommitResponse: Author/Committer (*CommitUser), Parents, Tree.
  FileCommitResponse: ['author', 'committer', 'parents', 'tree'],
};

/**
 * Definitions Gitea always serializes in full (no `omitempty` in modules/structs): every property
 * is required, except the listed ones. services/convert/pull.go ToAPIPullRequests leaves
 * additions/deletions/changed_files out of PR lists ("the diff is quite slow").
 */
const COMPLETE: Record<string, readonly string[]> = {
  PullRequest: ['additions', 'deletions', 'changed_files'],
  PRBranchInfo: [],
  PullRequestMeta: [],
  Issue: [],
  RepositoryMeta: [],
  Comment: [],
  User: [],
};

/**
 * 2xx responses that the spec documents without a schema, with what Gitea sends there.
 * An undocumented body for any other schema-less 2xx makes the check fail.
 */
const SCHEMALESS: Record<string, BodyKind> = {
  // routers/api/v1/repo/file.go download: ctx.ServeContent of the archive file, a byte stream
  // (the spec's `produces: application/json` is the swagger default, not what is sent).
  'GET /repos/{owner}/{repo}/archive/{archive} 200': 'text',
};

/**
 * Responses where Gitea sends more than the spec's single schema. routers/api/v1/repo/file.go
 * GetContents calls files_service.GetContentsOrList: a directory path answers with a list of
 * ContentsResponse although the spec names one ContentsResponse.
 */
const ALTERNATE_SCHEMAS: Record<string, { name: string; schema: JsonObject }> = {
  'GET /repos/{owner}/{repo}/contents/{filepath} 200': {
    name: 'ContentsResponse | ContentsResponse[] (directory)',
    schema: {
      anyOf: [
        { $ref: 'gitea#/definitions/ContentsResponse' },
        { type: 'array', items: { $ref: 'gitea#/definitions/ContentsResponse' } },
      ],
    },
  },
};

/**
 * Statuses Gitea may send on every operation although the operations do not list them.
 * routers/api/v1/api.go reqToken()/tokenRequiresScopes answer 401 ("token is required")
 * before the operation runs; the spec's global `security` covers it but never lists 401.
 */
const GLOBAL_STATUSES: Record<number, BodyKind> = { 401: 'error' };

/**
 * Body of a Gitea API error. services/context/api.go writes `{message, url}` (APIError) and
 * NotFound adds `errors` (a string list, null when empty); the spec's `error`, `notFound`,
 * `forbidden`, `validationError` responses carry no schema.
 */
const ERROR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['message', 'url'],
  properties: {
    message: { type: 'string' },
    url: { type: 'string' },
    errors: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
  },
} as const;

interface SwaggerOperation {
  responses: Record<string, { $ref?: string; description?: string; schema?: JsonObject }>;
  produces?: string[];
}

interface SwaggerDoc {
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions: Record<string, JsonObject>;
  responses: Record<string, { description?: string; schema?: JsonObject }>;
}

/** Options for how strictly response bodies are checked. */
export interface ContractOptions {
  /** Add `additionalProperties: false` to every object definition (invented fields fail). */
  closedObjects: boolean;
}

/** Loaded spec with compiled per-(method, template, status) validators. */
export class ContractSpec {
  readonly doc: SwaggerDoc;
  readonly #ajv: Ajv;
  readonly #cache = new Map<string, ResponseContract | null>();
  readonly #errorValidator: ValidateFunction;

  constructor(doc: SwaggerDoc, options: ContractOptions) {
    this.doc = doc;
    this.#ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
    addFormats(this.#ajv);
    this.#ajv.addFormat('uint64', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    // services/convert/user.go ToUser copies `user.Email` verbatim for admins and the user itself,
    // and an organisation created without an email has `""` there; the spec's `format: email`
    // does not allow that, real Gitea sends it.
    const email = this.#ajv.formats['email'];
    this.#ajv.addFormat('email', {
      type: 'string',
      validate: (v: string) =>
        v === '' || (email instanceof RegExp ? email.test(v) : typeof email === 'function' ? email(v) : true),
    });
    this.#ajv.addVocabulary(['x-go-name', 'x-go-package', 'x-go-enum-desc', 'example']);
    const definitions: Record<string, JsonObject> = {};
    for (const [name, schema] of Object.entries(doc.definitions)) {
      definitions[name] = adjustDefinition(name, schema, options);
    }
    this.#ajv.addSchema({ $id: 'gitea', definitions }, 'gitea');
    this.#errorValidator = this.#ajv.compile(ERROR_SCHEMA);
  }

  /** Every operation in the spec as `METHOD template`. */
  operations(): string[] {
    const out: string[] = [];
    for (const [template, item] of Object.entries(this.doc.paths)) {
      for (const method of Object.keys(item)) {
        if (method !== 'parameters') out.push(`${method.toUpperCase()} ${template}`);
      }
    }
    return out.sort();
  }

  /** True when the spec documents the operation. */
  has(method: string, template: string): boolean {
    return this.#operation(method, template) !== undefined;
  }

  /** The documented response for a status, or null when the spec does not list it. */
  response(method: string, template: string, status: number): ResponseContract | null {
    const key = `${method} ${template} ${status}`;
    if (this.#cache.has(key)) return this.#cache.get(key) ?? null;
    const contract = this.#buildResponse(method, template, status);
    this.#cache.set(key, contract);
    return contract;
  }

  /** Check one response: status documented, body shaped as documented. */
  check(input: {
    method: string;
    template: string;
    status: number;
    contentType: string | null;
    body: string;
  }): CheckResult {
    const { method, template, status, contentType, body } = input;
    if (!this.has(method, template)) {
      return { ok: false, problem: `"${method} ${template}" is not an operation in the spec` };
    }
    const contract = this.response(method, template, status);
    if (!contract) {
      return {
        ok: false,
        problem: `status ${status} is not documented for "${method} ${template}"`,
      };
    }
    if (contract.kind === 'empty') {
      return body.length === 0
        ? { ok: true, schemaName: contract.schemaName }
        : {
            ok: false,
            problem: `expected an empty body for ${status}, got ${JSON.stringify(body.slice(0, 200))}`,
          };
    }
    if (contract.kind === 'text') {
      return typeof body === 'string'
        ? { ok: true, schemaName: contract.schemaName }
        : { ok: false, problem: 'expected a text body' };
    }
    if (contract.kind === 'error') {
      // services/context/api.go: some handlers answer with ctx.Status(code) and no body.
      if (body.length === 0) return { ok: true, schemaName: 'empty' };
      const parsed = parseJson(body, contentType);
      if (!parsed.ok) return { ok: false, problem: parsed.problem };
      return this.#errorValidator(parsed.value)
        ? { ok: true, schemaName: contract.schemaName }
        : { ok: false, problem: describeErrors(this.#errorValidator) };
    }
    const parsed = parseJson(body, contentType);
    if (!parsed.ok) return { ok: false, problem: parsed.problem };
    const validate = contract.validate;
    if (!validate) return { ok: false, problem: `no schema compiled for ${method} ${template} ${status}` };
    return validate(parsed.value)
      ? { ok: true, schemaName: contract.schemaName }
      : { ok: false, problem: describeErrors(validate) };
  }

  /** Validate a value against a named definition (for event payload parts). */
  validateDefinition(name: string, value: unknown): CheckResult {
    if (!this.doc.definitions[name]) return { ok: false, problem: `no definition "${name}" in the spec` };
    const validate = this.#ajv.getSchema(`gitea#/definitions/${name}`);
    if (!validate) return { ok: false, problem: `definition "${name}" did not compile` };
    return validate(value)
      ? { ok: true, schemaName: name }
      : { ok: false, problem: describeErrors(validate) };
  }

  #operation(method: string, template: string): SwaggerOperation | undefined {
    return this.doc.paths[template]?.[method.toLowerCase()];
  }

  #buildResponse(method: string, template: string, status: number): ResponseContract | null {
    const op = this.#operation(method, template);
    if (!op) return null;
    const entry = op.responses[String(status)];
    if (!entry) {
      const global = GLOBAL_STATUSES[status];
      return global ? { kind: global, schemaName: 'APIError', validate: null } : null;
    }
    let name = `inline ${status}`;
    let resolved: { description?: string; schema?: JsonObject } = entry;
    if (entry.$ref) {
      name = entry.$ref.replace('#/responses/', '');
      const target = this.doc.responses[name];
      if (!target) throw new Error(`spec response "${entry.$ref}" of "${method} ${template}" does not exist`);
      resolved = target;
    }
    if (status >= 400) return { kind: 'error', schemaName: 'APIError', validate: null };
    if (!resolved.schema) {
      // `#/responses/empty` is Gitea's APIEmpty; a 204 has no body by definition (RFC 9110 15.3.5),
      // e.g. IsPullRequestMerged answers ctx.Status(http.StatusNoContent).
      if (name === 'empty' || status === 204) return { kind: 'empty', schemaName: 'empty', validate: null };
      const listed = SCHEMALESS[`${method} ${template} ${status}`];
      if (listed) return { kind: listed, schemaName: listed, validate: null };
      throw new Error(
        `"${method} ${template}" ${status} has no schema in the spec: list it in SCHEMALESS ` +
          `(test/contract/spec.ts) with a citation of what Gitea sends`,
      );
    }
    const alternate = ALTERNATE_SCHEMAS[`${method} ${template} ${status}`];
    if (alternate)
      return { kind: 'json', schemaName: alternate.name, validate: this.#ajv.compile(alternate.schema) };
    const produces = op.produces ?? [];
    // Swagger 2.0 `type: file` (raw file downloads) is a byte stream, not JSON.
    if (resolved.schema['type'] === 'file') return { kind: 'text', schemaName: 'file', validate: null };
    if (resolved.schema['type'] === 'string' && produces.includes('text/plain')) {
      return { kind: 'text', schemaName: name, validate: null };
    }
    const schema = rewriteRefs(resolved.schema);
    const ref = typeof schema['$ref'] === 'string' ? schema['$ref'] : null;
    const validate = ref ? this.#ajv.getSchema(ref) : this.#ajv.compile(schema);
    if (!validate) throw new Error(`schema of "${method} ${template}" ${status} did not compile`);
    return { kind: 'json', schemaName: describeSchema(resolved.schema, name), validate };
  }
}

/** Load and compile the spec. */
export function loadContractSpec(options: ContractOptions = { closedObjects: true }): ContractSpec {
  const doc = JSON.parse(readFileSync(SPEC_URL, 'utf8')) as SwaggerDoc;
  return new ContractSpec(doc, options);
}

function adjustDefinition(name: string, schema: JsonObject, options: ContractOptions): JsonObject {
  const copy = rewriteRefs(schema);
  const props = copy['properties'];
  if (copy['type'] === 'object' && props && typeof props === 'object' && !Array.isArray(props)) {
    if (options.closedObjects && copy['additionalProperties'] === undefined) {
      copy['additionalProperties'] = false;
    }
    const omitted = COMPLETE[name];
    if (omitted)
      copy['required'] = Object.keys(props)
        .filter((k) => !omitted.includes(k))
        .sort();
    for (const entry of NULLABLE[name] ?? []) {
      const items = entry.endsWith('[]');
      const field = items ? entry.slice(0, -2) : entry;
      const prop = props[field];
      if (!prop || typeof prop !== 'object' || Array.isArray(prop)) {
        throw new Error(`NULLABLE names "${name}.${field}", which the spec does not define; fix the list`);
      }
      const item = prop['items'];
      if (items && item && typeof item === 'object' && !Array.isArray(item)) {
        props[field] = { ...prop, items: { anyOf: [item, { type: 'null' }] } };
      } else {
        props[field] = { anyOf: [prop, { type: 'null' }] };
      }
    }
  }
  return copy;
}

function rewriteRefs<T extends Json>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v)) as T;
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/definitions/', 'gitea#/definitions/')
          : rewriteRefs(v);
    }
    return out as T;
  }
  return value;
}

function describeSchema(schema: JsonObject, fallback: string): string {
  const ref = schema['$ref'];
  if (typeof ref === 'string') return ref.replace('#/definitions/', '');
  const items = schema['items'];
  if (schema['type'] === 'array' && items && typeof items === 'object' && !Array.isArray(items)) {
    const itemRef = items['$ref'];
    if (typeof itemRef === 'string') return `${itemRef.replace('#/definitions/', '')}[]`;
  }
  return fallback;
}

function parseJson(
  body: string,
  contentType: string | null,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (!contentType?.includes('application/json')) {
    return { ok: false, problem: `expected content-type application/json, got "${contentType ?? ''}"` };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (cause) {
    return { ok: false, problem: `body is not JSON: ${String(cause)}` };
  }
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    )
    .join('; ');
}
