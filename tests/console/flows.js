// airwrite web console in a real browser: the flows of issue 7's second part
// (docs/console.md "Tests"), used by browser.js:
//   handleException  a real T2001 exception (a device's terminal report)
//                    acknowledged, handled, resolved, refused closing without
//                    its report (A7003 shown), reported, closed; its history
//                    and the review report in the page
//   manageUsers      the security officer lists the users with their roles
//                    (Chinese, then English), creates one, changes its role
//   checkCjk         CJK text really rendered: each glyph of the dashboard's
//                    Chinese title drawn with the page's font has ink, the
//                    three differ, and none is the missing-glyph box
'use strict';

function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

async function textOf(page, selector) {
  return page.$eval(selector, (e) => e.textContent);
}

// The exception detail shown in state, within 15 s.
async function detailIn(page, state) {
  await page.waitForSelector(`#exception-detail .card[data-state="${state}"]`, {timeout: 15000})
    .catch(async () => fail(`exception not ${state}: ` + await textOf(page, '#exception-detail') +
      ' / ' + await textOf(page, '#exceptions-error')));
}

// problems: the page's failed loads so far (the A7003 refusal is expected).
async function handleException(page, problems) {
  await page.click('a[href="#exceptions"]');
  // the exception raised by the device's report: T2001, serious
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#exceptions-list tr'))
    .some((r) => r.cells[1] && r.cells[1].textContent === 'T2001'), {timeout: 15000})
    .catch(async () => fail('no T2001 exception listed: ' + await textOf(page, '#exceptions-list')));
  await page.evaluate(() => Array.from(document.querySelectorAll('#exceptions-list tr'))
    .find((r) => r.cells[1] && r.cells[1].textContent === 'T2001').click());
  await detailIn(page, 'open');
  const title = await textOf(page, '#exception-detail h3');
  if (!title.includes('T2001') || !title.includes('serious')) fail('exception detail: ' + title);
  const id = await page.$eval('#exception-detail .card', (e) => e.getAttribute('data-exception-id'));
  for (const [to, next] of [['acknowledged', 'acknowledged'], ['handling', 'handling'],
    ['resolved', 'resolved']]) {
    await page.click(`#exception-detail button[data-to="${to}"]`);
    await detailIn(page, next);
  }
  // a serious exception is not closed without its report: A7003 shown
  const before = problems.length;
  await page.click('#exception-detail button[data-to="closed"]');
  await page.waitForFunction(() => document.getElementById('exceptions-error').textContent.includes('A7003'),
    {timeout: 15000}).catch(async () => fail('closing without a report: ' +
      await textOf(page, '#exceptions-error')));
  // the one 409 (and chromium's console line about it) is the point: let
  // the console line arrive before counting
  await new Promise((r) => setTimeout(r, 300));
  const refused = problems.splice(before);
  if (!refused.some((p) => /\/transition: 409$/.test(p)) ||
      !refused.every((p) => /\/transition: 409$/.test(p) || /status of 409/.test(p)))
    fail('refusal seen as ' + refused.join('; '));
  await detailIn(page, 'resolved');
  const report = 'Device ' + id + ': firmware package with a bad digest, refused; source traced.';
  await page.type('#exception-detail .report-text', report);
  await page.click('#exception-detail .report-submit');
  await page.waitForFunction((text) => {
    const e = document.querySelector('#exception-detail .exception-report');
    return e && e.textContent === text;
  }, {timeout: 15000}, report).catch(async () => fail('report not shown: ' +
    await textOf(page, '#exception-detail')));
  await page.click('#exception-detail button[data-to="closed"]');
  await detailIn(page, 'closed');
  if (await page.$('#exception-detail button.transition')) fail('a closed exception offers transitions');
  // the history: every step, by the console user
  const history = await page.$eval('#exception-detail .exception-history', (t) =>
    Array.from(t.rows).slice(1).map((r) => Array.from(r.cells).map((c) => c.textContent).join('|')));
  for (const state of ['acknowledged', 'handling', 'resolved', 'closed'])
    if (!history.some((h) => h.includes('|' + state + '|') && h.includes('console.op')))
      fail(`history lacks ${state} by console.op: ${history.join(' ; ')}`);
  // the list and the review report (复盘) follow
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#exceptions-list tr'))
    .some((r) => r.cells[1] && r.cells[1].textContent === 'T2001' && r.cells[3].textContent === 'closed'),
  {timeout: 15000}).catch(async () => fail('list not closed: ' + await textOf(page, '#exceptions-list')));
  await page.waitForFunction(() => {
    const r = document.getElementById('reviews-list').textContent;
    return r.includes('terminal') && r.includes('closed') && r.includes('serious');
  }, {timeout: 15000}).catch(async () => fail('review report: ' + await textOf(page, '#reviews-list')));
  console.log(`exception ${id} (T2001, serious): acknowledged, handling, resolved, close refused ` +
    `without report (A7003), reported, closed; ${history.length} history rows; review report shows it`);
}

// The users table: {username: role} and the role labels shown.
async function usersShown(page) {
  return page.$$eval('#users-list tr[data-username]', (rows) => rows.map((r) => ({
    username: r.getAttribute('data-username'),
    role: r.querySelector('.user-role').getAttribute('data-role'),
    label: r.querySelector('.user-role').textContent,
  })));
}

async function waitUser(page, username, role) {
  await page.waitForFunction((u, r) => {
    const row = document.querySelector(`#users-list tr[data-username="${u}"] .user-role`);
    return row && row.getAttribute('data-role') === r;
  }, {timeout: 15000}, username, role).catch(async () => fail(`user ${username} not ${role}: ` +
    await textOf(page, '#users-list') + ' / ' + await textOf(page, '#users-error')));
}

// As the security officer, the page in Chinese (kept from before).
async function manageUsers(page, operator, auditor) {
  // the security officer's menu: the users page only (no business data)
  const menu = await page.$$eval('#nav a', (links) => links.filter((a) => !a.hidden)
    .map((a) => a.getAttribute('href')));
  if (menu.join() !== '#users') fail('security officer menu: ' + menu.join());
  await page.click('a[href="#users"]');
  await waitUser(page, operator, 'operator');
  let users = await usersShown(page);
  const label = (name) => (users.find((u) => u.username === name) || {}).label;
  if (label(operator) !== '运维人员' || label(auditor) !== '审计员')
    fail('Chinese role labels: ' + JSON.stringify(users));
  if (await page.$eval('#user-form', (e) => e.hidden)) fail('no user form for the security officer');
  // create a user, then change its role
  await page.type('#user-name', 'console.new');
  await page.select('#user-role', 'tenant_user');
  await page.type('#user-password', 'New-Console-Passphrase-9');
  await page.click('#user-submit');
  await waitUser(page, 'console.new', 'tenant_user');
  await page.select('#users-list tr[data-username="console.new"] .user-role-select', 'auditor');
  await page.click('#users-list tr[data-username="console.new"] .user-role-submit');
  await waitUser(page, 'console.new', 'auditor');
  // English labels
  await page.select('#lang', 'en');
  await waitUser(page, 'console.new', 'auditor');
  users = await usersShown(page);
  if (label('console.new') !== 'Auditor' || label(operator) !== 'Operator')
    fail('English role labels: ' + JSON.stringify(users));
  console.log(`users (security officer): ${users.map((u) => u.username + '=' + u.role).join(', ')}; ` +
    'created console.new, tenant_user -> auditor; labels in Chinese and English');
}

// The glyphs of text drawn one by one with the computed font of selector.
async function glyphs(page, selector, text) {
  return page.evaluate((sel, chars) => {
    const cs = getComputedStyle(document.querySelector(sel));
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    const g = canvas.getContext('2d', {willReadFrequently: true});
    const font = `${cs.fontWeight} 40px ${cs.fontFamily}`;
    const draw = (ch) => {
      g.clearRect(0, 0, 64, 64);
      g.font = font;
      g.fillStyle = '#000';
      g.textBaseline = 'top';
      g.fillText(ch, 8, 8);
      const data = g.getImageData(0, 0, 64, 64).data;
      let ink = 0, key = '';
      for (let i = 3; i < data.length; i += 4) {
        if (data[i] > 0) ink++;
        key += data[i] > 127 ? '1' : '0';
      }
      return {ink, key, width: g.measureText(ch).width};
    };
    return {font, chars: Array.from(chars).map(draw), missing: draw('\uE000'),
      replacement: g.measureText('\uFFFD'.repeat(Array.from(chars).length)).width,
      whole: g.measureText(chars).width};
  }, selector, text);
}

async function checkCjk(page, selector, text) {
  const box = await (await page.$(selector)).boundingBox();
  if (!box || box.width < 1 || box.height < 1) fail(`${selector} has no box`);
  const g = await glyphs(page, selector, text);
  const keys = g.chars.map((c) => c.key);
  if (g.chars.some((c) => c.ink === 0)) fail('a CJK glyph drew nothing');
  if (new Set(keys).size !== keys.length) fail(`CJK glyphs of ${text} are identical boxes (tofu)`);
  if (keys.includes(g.missing.key)) fail(`a glyph of ${text} is the missing-glyph box`);
  console.log(`CJK rendered: "${text}" in ${g.font}: ${g.chars.map((c) => c.ink).join('/')} ink pixels, ` +
    `width ${g.whole.toFixed(1)} px (U+FFFD x${keys.length}: ${g.replacement.toFixed(1)} px), box ` +
    `${Math.round(box.width)}x${Math.round(box.height)}`);
}

module.exports = {handleException, manageUsers, checkCjk};
