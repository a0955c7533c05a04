/** The entry model: parse, validate and serialize `rfcs/<slug>.md`, plus branch and marker helpers. */
export * from './branches.ts';
export * from './markers.ts';
export * from './model.ts';
export { type ParseOptions, parseEntry } from './parse.ts';
export { serializeEntry } from './serialize.ts';
export { entryPath, isValidDate, isValidLogin, isValidRepo, isValidSlug, slugFromPath } from './syntax.ts';
export { validateEntry } from './validate.ts';
