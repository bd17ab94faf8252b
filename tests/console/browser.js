// airwrite web console in a real browser (issue 7, docs/console.md): Debian
// chromium, headless, driven by puppeteer-core over the DevTools protocol.
//   node browser.js URL USERNAME PASSWORD PROFILE_TYPE EIDS_FILE OUT_DIR SPKI_HASH AUDITOR
//                   SECURITY_OFFICER RAISE_SCRIPT
// Logs in, submits one order for the EIDs and waits until its progress bar
// reads 100% written, finds the first card and its lifecycle history, runs
// RAISE_SCRIPT (a device's terminal report: a real T2001 exception) and
// handles the exception through the page's buttons with its report, sees its
// history and the review report (flows.js), opens the users page,
// screenshots the dashboard (fixed 1280x900 viewport) and checks the PNG
// (size, colours, the chart's bar where the page says it is), switches to
// Chinese and checks labels, screenshots the Chinese dashboard and (with
// AW_CONSOLE_CJK=1) checks its CJK glyphs really rendered, logs out, logs in
// as the auditor (same password) and reads the audit log, then as the
// security officer lists the users with their roles, creates one and changes
// its role; fails on any Content Security Policy violation or page error.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const {execFileSync} = require('child_process');
const puppeteer = require('puppeteer-core');
const flows = require('./flows');

const [url, username, password, profileType, eidsFile, outDir, spki, auditor, officer, raise] =
  process.argv.slice(2);
const WIDTH = 1280;
const HEIGHT = 900;
const BAR = [0x2a, 0x6c, 0xb0]; // style.css .bars .bar

function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

// The RGBA pixels of an 8-bit RGB/RGBA non-interlaced PNG (RFC 2083 /
// W3C PNG: IHDR, IDAT concatenated and inflated, per-line filters 0-4).
function decodePng(buffer) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (buffer.length < 33 || !buffer.subarray(0, 8).equals(signature)) fail('not a PNG');
  let offset = 8, width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  const idat = [];
  while (offset + 8 <= buffer.length) {
    const len = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      depth = data[8]; colour = data[9]; interlace = data[12];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + len;
  }
  if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
    fail(`unexpected PNG format depth ${depth} colour ${colour} interlace ${interlace}`);
  const bpp = colour === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) fail('bad PNG filter ' + filter);
      line[i] = (line[i] + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = line[x * bpp];
      out[(y * width + x) * 4 + 1] = line[x * bpp + 1];
      out[(y * width + x) * 4 + 2] = line[x * bpp + 2];
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
    }
    prev = line;
  }
  return {width, height, pixels: out};
}

function pixel(png, x, y) {
  const i = (Math.round(y) * png.width + Math.round(x)) * 4;
  return [png.pixels[i], png.pixels[i + 1], png.pixels[i + 2]];
}

async function textOf(page, selector) {
  return page.$eval(selector, (e) => e.textContent);
}

async function login(page, name) {
  await page.waitForSelector('#login-form', {visible: true});
  // the form keeps the last username typed (a logout does not reload the page)
  await page.$eval('#login-username', (e) => { e.value = ''; });
  await page.type('#login-username', name);
  await page.type('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector('#nav', {visible: true, timeout: 15000})
    .catch(async () => fail(`login of ${name}: ` + await textOf(page, '#login-error')));
  const who = await textOf(page, '#who');
  if (!who.includes(name)) fail('logged-in user not shown: ' + who);
  return who;
}

async function main() {
  const eids = fs.readFileSync(eidsFile, 'utf8').split(/\r?\n/)
    .map((l) => l.split(',')[0].trim()).filter((l) => /^[0-9]{32}$/.test(l));
  if (eids.length === 0) fail('no EIDs in ' + eidsFile);
  const userDataDir = fs.mkdtempSync(path.join(outDir, 'chromium-'));
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    userDataDir,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // trust exactly the test server's key (its SPKI SHA-256), nothing else
      '--ignore-certificate-errors-spki-list=' + spki],
    defaultViewport: {width: WIDTH, height: HEIGHT, deviceScaleFactor: 1},
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push('console: ' + m.text());
    });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
    });
    const started = Date.now();
    const response = await page.goto(url + '/console/', {waitUntil: 'load'});
    if (response.status() !== 200) fail('GET /console/ answered ' + response.status());
    const csp = response.headers()['content-security-policy'] || '';
    if (!csp.includes("default-src 'self'")) fail('no strict CSP on /console/: ' + csp);

    // log in
    const who = await login(page, username);
    if (await page.$eval('#nav-audit', (e) => !e.hidden)) fail('audit log offered to ' + who);
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('aw.session')).accessToken);
    const cookies = await page.cookies();
    if (cookies.length !== 0) fail('the console set cookies: ' + JSON.stringify(cookies));
    if (!/^awat_[0-9a-f]{64}$/.test(token)) fail('no access token in sessionStorage');
    console.log(`logged in as ${who} (${Date.now() - started} ms)`);

    // submit an order and watch it progress to 100% written
    await page.click('a[href="#orders"]');
    await page.waitForSelector('#order-form', {visible: true});
    await page.type('#order-eids', eids.join('\n'));
    await page.type('#order-profile-type', profileType);
    const submitted = Date.now();
    await page.click('#order-submit');
    await page.waitForSelector('.order .progress-text', {timeout: 15000});
    const orderId = await page.$eval('.order', (e) => e.getAttribute('data-order-id'));
    if (!/^ord_[0-9a-f]{24}$/.test(orderId)) fail('no order id shown: ' + orderId);
    const seen = new Set();
    for (;;) {
      const pct = await page.$eval('.order .progress-text', (e) => e.getAttribute('data-percent'));
      seen.add(pct);
      if (pct === '100') break;
      const err = await textOf(page, '#order-error');
      if (err) fail('order error shown: ' + err);
      if (Date.now() - submitted > 240000) fail('order not written in 240 s, at ' + pct + '%');
      await new Promise((r) => setTimeout(r, 250));
    }
    const status = await textOf(page, '.order .order-status');
    const progress = await textOf(page, '.order .progress-text');
    if (!progress.startsWith(`${eids.length}/${eids.length} written`)) fail('progress text: ' + progress);
    console.log(`order ${orderId}: ${progress}; ${status}; percentages seen ${[...seen].join(',')} ` +
      `(${Date.now() - submitted} ms)`);

    // the tab forgets its tracked orders: the list (GET /api/v1/orders) still shows it, finished
    await page.evaluate(() => sessionStorage.removeItem('aw.orders'));
    await page.click('#order-refresh');
    await page.waitForFunction((id) => {
      const box = document.querySelector(`.order[data-order-id="${id}"] .progress-text`);
      return box && box.getAttribute('data-percent') === '100';
    }, {timeout: 15000}, orderId).catch(async () => fail('order list without ' + orderId + ': ' +
      await textOf(page, '#order-list')));
    console.log(`order list shows ${await page.$$eval('.order', (e) => e.length)} order(s)`);

    // the first card: written, with its profile and lifecycle history
    await page.click('a[href="#cards"]');
    await page.waitForSelector('#card-form', {visible: true});
    await page.type('#card-value', eids[0]);
    await page.click('#card-form button');
    await page.waitForSelector('#card-result .card h3', {timeout: 15000});
    const card = await textOf(page, '#card-result .card h3');
    if (!card.startsWith(eids[0])) fail('card shown: ' + card);
    await page.waitForFunction(() => document.querySelectorAll('#card-result table')[1] &&
      document.querySelectorAll('#card-result table')[1].rows.length > 1, {timeout: 15000})
      .catch(async () => fail('no lifecycle history: ' + await textOf(page, '#card-result')));
    const history = await page.$eval('#card-result', (e) => e.querySelectorAll('table')[1].rows.length - 1);
    console.log(`card ${card}: ${history} lifecycle events`);

    // a real exception: the device of the first card reports a tampered
    // firmware package over mutual TLS (T2001, serious), handled in the page
    const raised = execFileSync(raise, {encoding: 'utf8', timeout: 30000}).trim();
    if (raised !== '204') fail('the terminal report answered ' + raised);
    await flows.handleException(page, problems);
    const exceptionsError = await textOf(page, '#exceptions-error');
    if (exceptionsError) fail('exceptions page: ' + exceptionsError);
    await page.waitForSelector('#reviews-list .bars', {timeout: 15000})
      .catch(async () => fail('no review report: ' + await textOf(page, '#reviews-list')));
    await page.click('a[href="#users"]');
    // the page fills itself after the click: wait (bounded) for its text
    await page.waitForFunction(() => {
      const e = document.getElementById('users-self');
      return e && e.textContent.trim() !== '';
    }, {timeout: 15000}).catch(() => {});
    const self = await textOf(page, '#users-self');
    if (!self.includes('operator')) fail('users page: ' + self);
    // an operator lists no users (users.read): the page says so, asks nothing
    if (await page.$eval('#users-note', (e) => e.hidden)) fail('no note for a role without users.read');
    if (await page.$('#users-list tr')) fail('users listed to an operator');

    // the dashboard: charts drawn, screenshot checked
    await page.click('a[href="#dashboard"]');
    await page.waitForSelector('#page-dashboard[data-loaded="true"] .bars .bar', {timeout: 15000})
      .catch(async () => fail('no chart bar on the dashboard: ' +
        await textOf(page, '#page-dashboard') + ' ' + problems.join('; ')));
    const shot = path.join(outDir, 'dashboard.png');
    await page.screenshot({path: shot, fullPage: false});
    const png = decodePng(fs.readFileSync(shot));
    if (png.width !== WIDTH || png.height !== HEIGHT) fail(`screenshot ${png.width}x${png.height}`);
    const colours = new Map();
    for (let i = 0; i < png.pixels.length; i += 4) {
      const key = png.pixels.readUInt32BE(i);
      colours.set(key, (colours.get(key) || 0) + 1);
    }
    const dominant = Math.max(...colours.values()) / (png.width * png.height);
    if (colours.size < 16 || dominant > 0.95) fail(`screenshot nearly one colour: ${colours.size} colours, ` +
      `dominant ${(dominant * 100).toFixed(1)}%`);
    const boxes = {};
    for (const selector of ['#top', '#dashboard-rates svg', '#dashboard-counts svg', '.bars .bar', '#dashboard-values']) {
      const handle = await page.$(selector);
      const box = handle && await handle.boundingBox();
      if (!box || box.width < 1 || box.height < 1 || box.y > HEIGHT) fail('not on the dashboard: ' + selector);
      boxes[selector] = box;
    }
    const bar = boxes['.bars .bar'];
    const rgb = pixel(png, bar.x + bar.width / 2, bar.y + bar.height / 2);
    if (rgb.some((v, i) => Math.abs(v - BAR[i]) > 8)) fail('no bar colour in the chart at its box: ' + rgb);
    const header = pixel(png, boxes['#top'].x + 2, boxes['#top'].y + 2);
    if (header.some((v, i) => Math.abs(v - [0x1d, 0x3c, 0x5a][i]) > 8)) fail('header colour ' + header);
    const rate = await textOf(page, '#dashboard-rates .chart-value');
    if (rate !== '100.0%') fail('write success rate shown as ' + rate);
    console.log(`dashboard screenshot ${png.width}x${png.height}, ${colours.size} colours, ` +
      `dominant ${(dominant * 100).toFixed(1)}%, bar ${rgb} at ${Math.round(bar.x)},${Math.round(bar.y)}`);

    // Chinese, kept across a reload (localStorage)
    await page.select('#lang', 'zh-CN');
    const zh = await textOf(page, 'a[href="#orders"]');
    if (zh !== '写卡订单') fail('Chinese label: ' + zh);
    await page.reload({waitUntil: 'load'});
    await page.waitForSelector('#page-dashboard[data-loaded="true"]', {timeout: 15000});
    const lang = await page.evaluate(() => document.documentElement.lang);
    const title = await textOf(page, '#page-dashboard h1');
    if (lang !== 'zh-CN' || title !== '仪表盘') fail(`after reload: lang ${lang}, title ${title}`);
    const rateLabel = await textOf(page, '#dashboard-rates .chart-label');
    if (rateLabel !== '写卡成功率') fail('Chinese chart label: ' + rateLabel);
    console.log('Chinese UI: ' + zh + ', ' + title + ', ' + rateLabel);
    // the Chinese dashboard's screenshot, and its CJK glyphs
    await page.waitForSelector('#page-dashboard[data-loaded="true"] .bars .bar', {timeout: 15000});
    const shotZh = path.join(outDir, 'dashboard-zh.png');
    await page.screenshot({path: shotZh, fullPage: false});
    const pngZh = decodePng(fs.readFileSync(shotZh));
    if (pngZh.width !== WIDTH || pngZh.height !== HEIGHT) fail(`zh screenshot ${pngZh.width}x${pngZh.height}`);
    if (process.env.AW_CONSOLE_CJK === '1') await flows.checkCjk(page, '#page-dashboard h1', title);
    else console.log('skip: CJK glyph check (fonts-noto-cjk not installed)');

    // nothing refused by the CSP, no script error, no failed load so far
    if (problems.length) fail(problems.join('; '));
    // log out: the session's token is revoked at the server
    await page.click('#logout');
    await page.waitForSelector('#login-form', {visible: true});
    const after = await page.evaluate(async (t) => {
      const r = await fetch('/api/v1/ping', {headers: {Authorization: 'Bearer ' + t}});
      return r.status;
    }, token);
    if (after !== 401) fail('token still works after logout: ' + after);
    problems.length = 0; // that 401 was the point

    // the auditor reads the audit log: the logins are there
    await login(page, auditor);
    if (await page.$eval('#nav-audit', (e) => e.hidden)) fail('no audit log for the auditor');
    await page.click('a[href="#audit"]');
    await page.waitForSelector('#audit-list table', {timeout: 15000})
      .catch(async () => fail('audit log: ' + await textOf(page, '#audit-error')));
    const audit = await textOf(page, '#audit-list');
    if (!audit.includes('user.login') || !audit.includes('user:' + username))
      fail('audit log lacks the logins');
    const rows = await page.$eval('#audit-list table', (e) => e.rows.length - 1);
    if (problems.length) fail(problems.join('; '));
    console.log(`auditor: ${rows} audit records, the logins among them`);

    // the security officer manages the console users (the page still in Chinese)
    await page.click('#logout');
    await page.waitForSelector('#login-form', {visible: true});
    await login(page, officer);
    await flows.manageUsers(page, username, auditor);
    if (problems.length) fail(problems.join('; '));
    console.log(`browser test passed in ${Date.now() - started} ms`);
  } finally {
    await browser.close();
    fs.rmSync(userDataDir, {recursive: true, force: true});
  }
}

main().catch((e) => fail(e.stack || String(e)));
