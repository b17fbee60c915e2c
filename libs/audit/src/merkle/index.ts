/** RFC 9162 section 2.1 Merkle trees: hashing, proofs and their verification, the builder and its store. */
export * from './hashing';
export * from './tree-shape';
export * from './merkle-tree-hash';
export * from './verify-inclusion';
export * from './verify-consistency';
export * from './compact-range';
export * from './node-position';
export * from './merkle-tree-store.port';
export * from './audit-database';
export * from './sqlite-merkle-tree-store';
export * from './merkle-log';
