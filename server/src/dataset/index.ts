/** Dataset building: columnar samples, split, deduplication, near-duplicates, vocabularies. */
export * from './columns';
export * from './split';
export * from './dedup';
export * from './neardup';
export * from './vocab';
export * from './build';
export * from './source';
export * from './labels';
