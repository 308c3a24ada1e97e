/**
 * The contract suites inside workerd: D1 through drizzle-orm/d1 and R2, via
 * @cloudflare/vitest-pool-workers (the tests themselves run in the Workers runtime).
 */
import { applyD1Migrations, env } from 'cloudflare:test';
import { createStore, d1Driver, R2BlobStore } from '../../src/index';
import { blobContract } from '../contract/blob.contract';
import { TestClock } from '../contract/fixtures';
import { storeAuditContract } from '../contract/store-audit.contract';
import { storeCoreContract } from '../contract/store-core.contract';
import { storeJobsContract } from '../contract/store-jobs.contract';
import { storePlatformContract } from '../contract/store-platform.contract';
import { storeModelsContract } from '../contract/store-models.contract';
import { storeUsersContract } from '../contract/store-users.contract';
import { storeQualityContract } from '../contract/store-quality.contract';

async function open() {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const clock = new TestClock();
  return { store: createStore(d1Driver(env.DB), clock), clock };
}

storeCoreContract('d1 (workerd)', open);
storeJobsContract('d1 (workerd)', open);
storeModelsContract('d1 (workerd)', open);
storeUsersContract('d1 (workerd)', open);
storeAuditContract('d1 (workerd)', open);
storeQualityContract('d1 (workerd)', open);
storePlatformContract('d1 (workerd)', open);
blobContract('r2 (workerd)', async () => new R2BlobStore(env.BUCKET));
