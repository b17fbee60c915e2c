import type { AppConfig } from '@app/platform/config/app-config';

export const READ_MODELS = Symbol('READ_MODELS');
export const PROJECTIONS = Symbol('PROJECTIONS');
/** What follows the live projections where they run (`ProjectionFollower[]`; the reminder scheduler). */
export const PROJECTION_FOLLOWERS = Symbol('PROJECTION_FOLLOWERS');

/** Where this deployment's read models live in Redis. */
export const readModelRoot = (config: AppConfig) => `${config.redisKeyPrefix}:rm`;
