/** Signed tree heads (after RFC 9162 section 4.10): encoding, Ed25519 keys, the signing rule, their store. */
export * from './tree-head';
export * from './signing-key';
export * from './development-signing-key';
export * from './signing-policy';
export * from './tree-head-store.port';
export * from './sqlite-tree-head-store';
