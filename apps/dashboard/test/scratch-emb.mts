import { readFileSync } from 'node:fs';
import { launchChromium, signIn } from './helpers/stack';
const s = JSON.parse(readFileSync('/tmp/vw/stack.json', 'utf8'));
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
page.on('pageerror', (e) => console.log('pageerror', e.message));
await signIn(page, s.url, 'admin@hospital.test', 'a long admin password');
await page.goto(`${s.url}/viewer?id=${s.id}`);
await page.locator('[data-ordered="true"]').waitFor({ timeout: 60_000 });
const ids = (await page.evaluate('embolusViewer.imageIds()')) as string[];
const sopAt = ids.map((id) => decodeURIComponent(id.split('/').pop()!));
for (const c of s.emboli as number[][]) {
  const f = (s.files as { sop: string; z: number }[]).reduce((a, b) => (Math.abs(b.z - c[2]!) < Math.abs(a.z - c[2]!) ? b : a));
  const k = sopAt.indexOf(f.sop);
  await page.getByRole('slider', { name: 'Slice' }).fill(String(k + 1));
  await page.waitForTimeout(500);
  const at = await page.evaluate(`embolusViewer.worldToCanvas(${JSON.stringify(c)})`);
  console.log('embolus', c, 'slice', k, 'canvas', at, await page.getAttribute('.vw-viewport', 'data-slice-index'));
  await page.locator('.vw-stage').screenshot({ path: `/tmp/vw/emb-${k}.png` });
}
await browser.close();
