/**
 * A cache of serialized worklist pages. An entry is served only while the tenant's worklist
 * version (bumped by database triggers on every study insert or update) is the one it was built
 * under, so a cached page is never staler than the database, across processes and isolates.
 * Worklist reads far outnumber study changes, and this page is what every reader polls.
 */

import type { AuditPage } from '@embolus/db';

/** One cached page: the JSON body and the study ids it shows, hashed once for the audit record. */
export interface WorklistPage {
  version: number;
  body: string;
  audit: AuditPage;
}

/** Least-recently-used pages, keyed by tenant and normalized query. */
export class WorklistCache {
  private readonly pages = new Map<string, WorklistPage>();

  constructor(private readonly maxEntries = 1000) {}

  /** The page for `key` if it was built under `version`. */
  get(key: string, version: number): WorklistPage | undefined {
    const page = this.pages.get(key);
    if (!page) return undefined;
    this.pages.delete(key);
    if (page.version !== version) return undefined;
    this.pages.set(key, page);
    return page;
  }

  set(key: string, page: WorklistPage): void {
    this.pages.delete(key);
    this.pages.set(key, page);
    if (this.pages.size > this.maxEntries) this.pages.delete(this.pages.keys().next().value as string);
  }
}
