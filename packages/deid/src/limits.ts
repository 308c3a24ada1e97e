/** The largest instance read, by default the API's EMBOLUS_MAX_INSTANCE_BYTES (64 MiB). */
export const DEFAULT_MAX_INSTANCE_BYTES = 64 * 1024 * 1024;
