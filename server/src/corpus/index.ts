/** Corpus input: walking folders, files, JSONL and zip archives into extraction tasks. */
export * from './types';
export * from './options';
export * from './decode';
export * from './gitignore';
export * from './jsonl';
export * from './zip';
export * from './walk';
