/**
 * Remembers which API study an upload of a DICOM study went to, so that after a reload the
 * upload resumes into the same study and skips what the API already stores. The key is a
 * SHA-256 of the StudyInstanceUID (the UID itself is not written to storage); the value is the
 * API's study id. No token or credential is stored.
 */

/** Where the mapping lives. */
export interface ResumeStore {
  get(studyInstanceUid: string): Promise<string | null>;
  set(studyInstanceUid: string, studyId: string): Promise<void>;
  delete(studyInstanceUid: string): Promise<void>;
}

/** The part of Web Storage used (sessionStorage: survives a reload, not the tab). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

async function keyOf(prefix: string, uid: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } } }).crypto
    ?.subtle;
  if (!subtle) return `${prefix}${uid}`;
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(uid)));
  return prefix + Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A store over Web Storage (default: `sessionStorage`). */
export function storageResumeStore(storage: StorageLike, prefix = 'embolus.upload.'): ResumeStore {
  const ID = /^[A-Za-z0-9_-]{1,100}$/;
  return {
    async get(uid) {
      const v = storage.getItem(await keyOf(prefix, uid));
      return v !== null && ID.test(v) ? v : null;
    },
    async set(uid, studyId) {
      try {
        storage.setItem(await keyOf(prefix, uid), studyId);
      } catch {
        // Storage full or disabled: the upload works, it just cannot resume after a reload.
      }
    },
    async delete(uid) {
      storage.removeItem(await keyOf(prefix, uid));
    },
  };
}

/** A store in memory (Node, tests, or a page without Web Storage). */
export function memoryResumeStore(): ResumeStore {
  const m = new Map<string, string>();
  return {
    get: async (uid) => m.get(uid) ?? null,
    set: async (uid, id) => void m.set(uid, id),
    delete: async (uid) => void m.delete(uid),
  };
}

/** sessionStorage when the page has it, else memory. */
export function defaultResumeStore(): ResumeStore {
  const s = (globalThis as { sessionStorage?: StorageLike }).sessionStorage;
  return s ? storageResumeStore(s) : memoryResumeStore();
}
