/**
 * The repositories over one database, built once per process (Node) or request (Workers).
 */
import type { SqlDriver } from './driver';
import { systemClock, type Clock } from './ids';
import { AuditRepo, RateLimitRepo } from './repos/audit';
import { DicomRepo } from './repos/dicom';
import { KeyRepo, TenantRepo } from './repos/auth';
import { JobRepo } from './repos/jobs';
import { LabelRepo } from './repos/labels';
import { ModelRepo } from './repos/models';
import { ResultRepo } from './repos/results';
import { StudyRepo } from './repos/studies';
import { SessionRepo, UserRepo } from './repos/users';
import { WebhookRepo } from './repos/webhooks';
import { AlertRepo } from './repos/alerts';
import { CohortPointRepo } from './repos/cohort-points';
import { ThresholdSetRepo } from './repos/threshold-sets';

/** Every repository, sharing one driver and one clock. */
export interface Store {
  readonly driver: SqlDriver;
  readonly clock: Clock;
  readonly tenants: TenantRepo;
  readonly keys: KeyRepo;
  readonly studies: StudyRepo;
  readonly jobs: JobRepo;
  readonly results: ResultRepo;
  readonly labels: LabelRepo;
  readonly models: ModelRepo;
  readonly webhooks: WebhookRepo;
  readonly audit: AuditRepo;
  readonly rateLimits: RateLimitRepo;
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly dicom: DicomRepo;
  readonly cohort: CohortPointRepo;
  readonly thresholdSets: ThresholdSetRepo;
  readonly alerts: AlertRepo;
}

/** Builds the repositories over `driver`; `clock` is injectable for lease and backoff tests. */
export function createStore(driver: SqlDriver, clock: Clock = systemClock): Store {
  return {
    driver,
    clock,
    tenants: new TenantRepo(driver, clock),
    keys: new KeyRepo(driver, clock),
    studies: new StudyRepo(driver, clock),
    jobs: new JobRepo(driver, clock),
    results: new ResultRepo(driver, clock),
    labels: new LabelRepo(driver, clock),
    models: new ModelRepo(driver, clock),
    webhooks: new WebhookRepo(driver, clock),
    audit: new AuditRepo(driver, clock),
    rateLimits: new RateLimitRepo(driver, clock),
    users: new UserRepo(driver, clock),
    sessions: new SessionRepo(driver, clock),
    dicom: new DicomRepo(driver, clock),
    cohort: new CohortPointRepo(driver),
    thresholdSets: new ThresholdSetRepo(driver, clock),
    alerts: new AlertRepo(driver, clock),
  };
}
