/**
 * Why an ACL rule was refused, with Redis 7.0's texts (ACLSetUserStringError,
 * which keys them by errno).
 */
export enum AclError {
  /** EINVAL */
  Syntax = 'Syntax error',
  /** ENOENT */
  UnknownCommand = 'Unknown command or category name in ACL',
  /** EEXIST */
  KeyAfterAll = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  /** EISDIR */
  ChannelAfterAll = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  /** ENODEV */
  NoSuchPassword = 'The password you are trying to remove from the user does not exist',
  /** EBADMSG */
  BadHash = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  /** EALREADY */
  DuplicateUser = 'Duplicate user found. A user can only be defined once in config files',
  /** ECHILD */
  FirstArgOfSubcommand = 'Allowing first-arg of a subcommand is not supported',
}
