/** Injection tokens for what the platform module provides. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const REDIS = Symbol('REDIS');
/** The Redis URL this app uses (given, or the managed server's): for clients that make their own connections. */
export const REDIS_URL = Symbol('REDIS_URL');
/** The people's data keys (`Keyring`): sealing on append, opening on an authorised read, erasure. */
export const KEYRING = Symbol('KEYRING');
