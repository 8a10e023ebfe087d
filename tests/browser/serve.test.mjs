// samskap serve in headless Chromium (Debian's, at /usr/bin/chromium),
// driven by playwright-core: search, open a record, log in, add a log entry
// through the form, see it on the page and in `git log`. Screenshots go to
// $SAMSKAP_SCREENSHOTS (the build folder, set by CMake).
//
//   SAMSKAP_BIN=build/samskap node tests/browser/serve.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.SAMSKAP_BIN;
const shots = process.env.SAMSKAP_SCREENSHOTS || tmpdir();
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
assert.ok(bin, 'set SAMSKAP_BIN to the samskap binary');

let kb, server, url, token, browser;

function write(rel, text) {
  const p = path.join(kb, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
}

before(async () => {
  kb = mkdtempSync(path.join(tmpdir(), 'samskap-browser-'));
  write('samskap.json', '{"name": "Nettlesertest"}\n');
  write('.gitignore', '.samskap/\n');
  write('kommuner/volda.md', '---\ntitle: Volda\nkommunenummer: "1577"\nfylke: Møre og Romsdal\n---\n\nVolda kommune.\n');
  write('challenges/demografi.md', '---\ntitle: Den demografiske utviklingen\nstatus: active\n---\n\nFlere eldre.\n');
  write('experiments/kompetanseteam/index.md', [
    '---', 'title: Felles kompetanseteam', 'kommuner: [volda]', 'challenge: demografi',
    'status: running', 'start: "2025-02-01"', 'hypothesis: Et felles team gir bedre omsorg for eldre.',
    'metrics:', '  - name: ventetid', '    unit: dager', '    baseline: 30', '    target: 14',
    '---', '', 'Et kompetanseteam for hjemmetjenestene i [[volda]].', ''].join('\n'));
  const git = (...args) => execFileSync('git', args, { cwd: kb, stdio: 'pipe' }).toString();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.org', 'commit', '-qm', 'Første versjon');
  token = execFileSync(bin, ['token', 'add', '--tokens', '.samskap/tokens', 'Kari Nordmann <kari@example.no>'],
    { cwd: kb, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();

  server = spawn(bin, ['serve', '--port', '0'], { cwd: kb, stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`samskap serve exited with ${code}`)));
    setTimeout(() => reject(new Error('samskap serve did not start')), 30000);
  });
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (kb) rmSync(kb, { recursive: true, force: true });
});

test('search, open a record, log in, add a log entry', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  // Search from the front page.
  await page.goto(url + '/');
  await page.fill('input[name=q]', 'kompetanseteam');
  await page.click('form.search button');
  await page.waitForURL(/\/search\?q=kompetanseteam/);
  assert.match(await page.textContent('.hits'), /Felles kompetanseteam/);
  await page.screenshot({ path: path.join(shots, 'browser-search.png'), fullPage: true });

  // Open the record.
  await page.click('.hits a[href="/records/kompetanseteam"]');
  await page.waitForURL(/\/records\/kompetanseteam$/);
  assert.equal(await page.textContent('h1 >> nth=0'), 'Felles kompetanseteam Eksperiment');
  assert.match(await page.textContent('main'), /Logg inn/);

  // Log in from the record's link and come back to it.
  await page.click('a[href^="/login?next="]');
  await page.fill('input[name=token]', token);
  await page.click('form[action="/login"] button');
  await page.waitForURL(/\/records\/kompetanseteam/);
  assert.match(await page.textContent('header'), /Kari Nordmann/);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'samskap_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', 'HttpOnly, SameSite=Strict session cookie');

  // Add a log entry through the form.
  await page.fill('#title', 'Første måling fra nettleseren');
  await page.fill('#date', '2025-03-01');
  await page.selectOption('#kind', 'measurement');
  await page.fill('#m-ventetid', '21');
  await page.fill('#body', 'Ventetiden er **kortere**.\n\n<script>alert(1)</script>');
  await page.click('form[action="/records/kompetanseteam/log"] button');
  await page.waitForURL(/\/records\/kompetanseteam#2025-03-01-/);
  const timeline = await page.textContent('.timeline');
  assert.match(timeline, /Første måling fra nettleseren/);
  assert.match(timeline, /ventetid: 21/);
  assert.equal(await page.locator('.timeline script').count(), 0);
  await page.screenshot({ path: path.join(shots, 'browser-experiment.png'), fullPage: true });

  // In git: one commit by Kari, holding the new file.
  const log = execFileSync('git', ['log', '-1', '--format=%an <%ae>|%s', '--name-only'], { cwd: kb }).toString();
  assert.match(log, /^Kari Nordmann <kari@example\.no>\|log: kompetanseteam: Første måling fra nettleseren/);
  assert.match(log, /experiments\/kompetanseteam\/log\/2025-03-01-[0-9a-f]{6}\.md/);
  assert.equal(readdirSync(path.join(kb, 'experiments/kompetanseteam/log')).length, 1);

  // The status dashboard and a model-free page render too; no script ran.
  await page.goto(url + '/status');
  assert.match(await page.textContent('h1'), /Statusoversikt/);
  await page.screenshot({ path: path.join(shots, 'browser-status.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a page from another site cannot post the form', async () => {
  // The evil page is served from a data: URL (another origin).
  const page = await browser.newPage();
  await page.goto(url + '/login');
  await page.fill('input[name=token]', token);
  await page.click('form[action="/login"] button');
  const evil = `<form id=f method=post action="${url}/records/kompetanseteam/log">` +
    '<input name=title value=Hacked><input name=kind value=observation><input name=body value=x></form>' +
    '<script>document.getElementById("f").submit()</script>';
  const before = readdirSync(path.join(kb, 'experiments/kompetanseteam/log')).length;
  await page.goto('data:text/html,' + encodeURIComponent(evil));
  await page.waitForLoadState('load');
  await page.waitForTimeout(1000);
  assert.equal(readdirSync(path.join(kb, 'experiments/kompetanseteam/log')).length, before);
});
