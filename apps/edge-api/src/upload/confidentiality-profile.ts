/**
 * The profile table lives in `@embolus/shared` so that the browser's de-identification
 * (`@embolus/deid`) removes at least every attribute this API refuses; re-exported here for the
 * upload checks and their tests.
 */
export { CONFIDENTIALITY_PROFILE, formatTag, PATIENT_IDENTITY_REMOVED, type ProfileAttribute } from '@embolus/shared';
