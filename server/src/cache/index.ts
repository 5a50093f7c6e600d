/** On-disk cache: binary bundle container, corpus snapshots (with per-source reuse), datasets. */
export * from './keys';
export * from './bundle';
export * from './corpus-cache';
export * from './dataset-cache';
