/**
 * What int8 quantisation of phase 1 does to a model's AUROCs: copies the model directory with
 * phase1.onnx replaced by the quantised graph (manifest sha256 updated), runs it through the
 * serving path on held-out phantoms, and prints both evaluations side by side.
 *
 *   ${EMBOLUS_PYTHON:-python3} -m embolus_trainer.quantize --checkpoint data/demo/model/phase1/best.pt \
 *       --onnx models/demo/phase1.onnx --out /tmp/phase1.int8.onnx --cache data/demo/cache   (in packages/trainer)
 *   npx tsx scripts/evaluate-int8.ts --model models/demo --int8 /tmp/phase1.int8.onnx --phantoms data/demo/phantoms-test
 *
 * Writes bench/results/int8-demo.json.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel } from '@embolus/inference';
import type { DatasetSummary } from '@embolus/phantom';
import { ALL_LABELS } from '@embolus/shared';
import { evaluateOnPhantoms, type DemoEvaluation } from '../apps/cli/src/demo-evaluation';

const { values } = parseArgs({ options: { model: { type: 'string' }, int8: { type: 'string' }, phantoms: { type: 'string' } } });
if (!values.model || !values.int8 || !values.phantoms) throw new Error('usage: --model <dir> --int8 <phase1.int8.onnx> --phantoms <dir>');

const dir = await mkdtemp(path.join(tmpdir(), 'embolus-int8-'));
const manifest = JSON.parse(await readFile(path.join(values.model, 'manifest.json'), 'utf8'));
await copyFile(path.join(values.model, manifest.files.phase2.path), path.join(dir, manifest.files.phase2.path));
await copyFile(values.int8, path.join(dir, 'phase1.int8.onnx'));
manifest.files.phase1 = {
  path: 'phase1.int8.onnx',
  sha256: createHash('sha256')
    .update(await readFile(values.int8))
    .digest('hex'),
};
await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));

const phantoms = JSON.parse(await readFile(path.join(values.phantoms, 'phantom-manifest.json'), 'utf8'));
const dataset = { out: values.phantoms, studies: phantoms.studies } as DatasetSummary;
const model = await loadModel(dir, { executionProvider: 'cpu' });
const int8 = await evaluateOnPhantoms(model, dataset, (d, t) => process.stderr.write(`\rint8 ${d}/${t}`));
await model.release();
const fp32 = JSON.parse(await readFile(path.join(values.model, 'evaluation.json'), 'utf8')) as DemoEvaluation;
process.stderr.write('\n');
console.log('label                       fp32 AUROC   int8 AUROC');
for (const l of ALL_LABELS)
  console.log(
    `${l.padEnd(26)} ${String(fp32.aurocs[l].auroc?.toFixed(4)).padStart(11)} ${String(int8.aurocs[l].auroc?.toFixed(4)).padStart(12)}`,
  );
console.log(`ms per study: fp32 ${fp32.msPerStudy.toFixed(0)}, int8 ${int8.msPerStudy.toFixed(0)}`);
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/int8-demo.json', JSON.stringify({ date: new Date().toISOString(), fp32, int8 }, null, 2));
