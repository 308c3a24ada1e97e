/**
 * The contract suites on Node: better-sqlite3 (a file in a temp folder) and the folder and
 * memory blob stores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createStore, MemoryBlobStore } from '../src/index';
import { FolderBlobStore, openSqlite, type SqliteHandle } from '../src/node';
import { blobContract } from './contract/blob.contract';
import { TestClock } from './contract/fixtures';
import { storeAuditContract } from './contract/store-audit.contract';
import { storeCoreContract } from './contract/store-core.contract';
import { storeJobsContract } from './contract/store-jobs.contract';
import { storePlatformContract } from './contract/store-platform.contract';
import { storeModelsContract } from './contract/store-models.contract';
import { storeUsersContract } from './contract/store-users.contract';
import { storeQualityContract } from './contract/store-quality.contract';

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-db-'));
const handles: SqliteHandle[] = [];
afterAll(() => {
  for (const h of handles) h.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(name: string) {
  return async () => {
    const h = openSqlite(path.join(dir, `${name}.sqlite`));
    handles.push(h);
    const clock = new TestClock();
    return { store: createStore(h.driver, clock), clock };
  };
}

storeCoreContract('better-sqlite3', open('core'));
storeJobsContract('better-sqlite3', open('jobs'));
storeModelsContract('better-sqlite3', open('models'));
storeUsersContract('better-sqlite3', open('users'));
storeAuditContract('better-sqlite3', open('audit'));
storeQualityContract('better-sqlite3', open('quality'));
storePlatformContract('better-sqlite3', open('platform'));
blobContract('folder', async () => new FolderBlobStore(path.join(dir, 'blobs')));
blobContract('memory', async () => new MemoryBlobStore());
