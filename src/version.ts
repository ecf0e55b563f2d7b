/**
 * Version strings: the Redis version Tachyon answers as (HELLO, INFO
 * redis_version: clients pick features from it) and Tachyon's own.
 */
export const VERSION = '7.0.15';
export const TACHYON_VERSION: string = require('../package.json').version;
