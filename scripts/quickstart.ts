/**
 * `npm run quickstart` (after `npm install`): the main job on the embedded default, end to end on
 * this machine, with nothing to configure and nothing from the network.
 *
 *  1. a synthetic CTPA study with emboli (a phantom, anonymized as written, so the API accepts it),
 *  2. the API on Node over `data/quickstart/api` (SQLite file + blob folder),
 *  3. upload instance by instance over HTTP, submit,
 *  4. one `embolus-runner` process with the demo model: series → preprocessing → two-phase model,
 *  5. the stored result, read back through the API and printed as a report.
 *
 * The data folder is kept: `npx embolus-api serve --data data/quickstart/api` serves it again.
 * The demo model is trained on synthetic phantoms only: NOT for clinical use.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { AnalysisResultSchema, type AnalysisResult } from '@embolus/shared';
import { formatReport } from '../apps/cli/src/commands/analyze';
import { ROOT, startApi, startRunner, stopRunner, uploadStudy, waitFor } from '@embolus/local-stack';

const work = path.join(ROOT, 'data', 'quickstart');
const say = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  // A fresh run each time: the phantom is deterministic, the database is not worth keeping stale.
  rmSync(work, { recursive: true, force: true });
  say('1/5 phantom: one synthetic CTPA study with emboli (demo preset)');
  const ds = await writeDataset({
    out: path.join(work, 'phantom'),
    studies: 1,
    seed: 3,
    positiveRate: 1,
    indeterminateRate: 0,
    study: { preset: 'demo' },
  });
  const study = ds.studies[0]!;
  // Phantoms are anonymized as written (no PatientName, PatientID or StudyID): uploaded as they are.
  const upload = path.join(ds.out, study.studyInstanceUid);

  say(`2/5 API on Node, embedded storage in ${path.relative(process.cwd(), path.join(work, 'api'))} (SQLite + folder)`);
  const api = await startApi(path.join(work, 'api'));
  const runner = startRunner(api, await api.key('runner', 'quickstart'), path.join(work, 'runner'));
  try {
    const clinician = await api.key('clinician', 'quickstart');
    say(`3/5 upload: ${study.slices} instances over HTTP, then submit`);
    const { studyId } = await uploadStudy(api, clinician, upload);
    say('4/5 runner: series → preprocessing → phase 1 → phase 2 → consistency → thresholds');
    const result = await waitFor(
      async () => {
        const res = await api.call('GET', `/v1/studies/${studyId}`, clinician);
        const d = (await res.json()) as { status: string; result: AnalysisResult | null; failure?: { code: string; message: string } };
        if (d.status === 'failed') throw new Error(`analysis failed: ${d.failure?.code ?? 'UNKNOWN'}: ${d.failure?.message ?? ''}`);
        return d.result ?? undefined;
      },
      300_000,
      250,
    );
    say('5/5 result, as stored by the API:\n');
    process.stdout.write(`${formatReport(AnalysisResultSchema.parse(result))}\n`);
    const truth = Object.entries(study.labels)
      .filter(([k, v]) => v === 1 && !k.startsWith('qa_'))
      .map(([k]) => k);
    process.stdout.write(`\nphantom truth (what the generator drew): ${truth.join(', ') || 'none'}\n`);
    process.stdout.write(
      `study ${studyId}; serve it again with: npx embolus-api serve --data ${path.relative(process.cwd(), path.join(work, 'api'))}\n`,
    );
  } finally {
    await stopRunner(runner);
    await api.close();
  }
}

main().catch((e: unknown) => {
  say(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (!existsSync(path.join(ROOT, 'node_modules'))) say('run `npm install` first');
  process.exit(2);
});
