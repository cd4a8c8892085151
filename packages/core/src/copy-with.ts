/**
 * `{ ...source, ...fields }`, built the way Node 20 keeps cheap. An object literal that starts
 * with a spread and goes on with more properties takes V8 11's object-clone path and then grows
 * the clone: ten times the time and twice the memory of this, and a fifth of such copies outlive
 * young-generation GCs, to be swept by the costlier full ones (scripts/bench/object-shapes.mjs).
 */
export function copyWith<T extends object, U extends object>(source: T, fields: U): T & U {
  return Object.assign({}, source, fields);
}
