import { readFileSync } from 'node:fs';
import { launchChromium, signIn } from './helpers/stack';
const s = JSON.parse(readFileSync('/tmp/vw/stack.json', 'utf8'));
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 300)));
page.on('pageerror', (e) => console.log('pageerror', e.message));
await signIn(page, s.url, 'admin@hospital.test', 'a long admin password');
const t0 = Date.now();
await page.goto(`${s.url}/viewer?id=${process.argv[2] ?? s.id}`);
for (let i = 0; i < 40; i++) {
  const info = await page.evaluate(`(() => { const v = document.querySelector('.vw-viewport'); return v ? [v.dataset.loaded, v.dataset.ordered, v.dataset.sliceIndex] : null })()`);
  console.log((Date.now() - t0) + 'ms', JSON.stringify(info), (await page.locator('main').innerText().catch(() => '')).slice(0, 200).replace(/\n/g, ' | '));
  if (info && (info as string[])[1] === 'true') break;
  await page.waitForTimeout(1000);
}
await page.screenshot({ path: '/tmp/vw/shot.png' });
await browser.close();
