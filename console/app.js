/* airwrite web console (issue 7, docs/console.md): log in, then the pages
 * over /api/v1 as the console user (a console session: POST
 * /api/v1/auth/login answers a bearer token bound to the user, kept in
 * sessionStorage, never in a cookie, sent in Authorization). Every value
 * from the API reaches the page through textContent, never as HTML. */
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var ORDER_PAGE = 50; // the newest orders shown (GET /api/v1/orders?limit=)
  var PAGES = ['login', 'dashboard', 'orders', 'cards', 'exceptions', 'audit', 'users'];
  /* docs/rbac.md: who may move an exception and who reads the audit log */
  var HANDLERS = ['platform_admin', 'operator'];
  /* docs/rbac.md: who lists the console users (users.read) and who manages
   * them (security.manage) */
  var USER_READERS = ['platform_admin', 'security_officer'];
  var USER_MANAGER = 'security_officer';
  /* docs/rbac.md: the pages a role may use (the security officer reads no
   * business data, only the auditor the audit log); the first is its start */
  var BUSINESS = ['dashboard', 'orders', 'cards', 'exceptions', 'users'];
  var ROLE_PAGES = {platform_admin: BUSINESS, operator: BUSINESS, tenant_user: BUSINESS,
    auditor: BUSINESS.concat(['audit']), security_officer: ['users']};
  var NEXT = {open: ['acknowledged'], acknowledged: ['handling'], handling: ['resolved'],
    resolved: ['closed', 'handling']};
  var ROLES = {
    platform_admin: 'orders, cards, exceptions, inventory (any tenant)',
    operator: 'orders, cards, exceptions, reviews (any tenant)',
    tenant_user: 'its own tenant only',
    auditor: 'audit log; reads everything, changes nothing',
    security_officer: 'apps, users, roles, keys; no business data'
  };
  var pollTimer = null;
  var auditNext = 0;

  /* ---- language ---- */
  function lang() {
    var l = localStorage.getItem('aw.lang');
    return window.AW_I18N[l] ? l : 'en';
  }
  function t(key) {
    var table = window.AW_I18N[lang()];
    return table[key] !== undefined ? table[key] : (window.AW_I18N.en[key] || key);
  }
  function applyLanguage() {
    document.documentElement.lang = lang();
    $('lang').value = lang();
    document.title = t('app.title');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (e) {
      e.textContent = t(e.getAttribute('data-i18n'));
    });
  }

  /* ---- session and calls ---- */
  function session() {
    try { return JSON.parse(sessionStorage.getItem('aw.session') || 'null'); }
    catch (e) { return null; }
  }
  function api(method, path, body) {
    var s = session();
    var headers = {'Accept': 'application/json'};
    if (s) headers.Authorization = 'Bearer ' + s.accessToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {method: method, headers: headers, credentials: 'omit', cache: 'no-store',
      body: body !== undefined ? JSON.stringify(body) : undefined})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (json) {
          if (r.status === 401 && s && path !== '/api/v1/auth/login') logout();
          if (!r.ok) {
            var err = new Error((json.code ? json.code + ' ' : '') + (json.message || r.status));
            err.status = r.status;
            throw err;
          }
          return json;
        });
      });
  }
  function showError(id, err) {
    $(id).textContent = err ? (err.status === 403 ? t('error.forbidden') + ' (' + err.message + ')'
      : err.message) : '';
  }
  function logout() {
    sessionStorage.removeItem('aw.session');
    route();
  }

  /* ---- small DOM helpers ---- */
  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function cell(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function time(ms) { return typeof ms === 'number' ? new Date(ms).toISOString() : cell(ms); }
  /* a table of rows (objects) over the given columns */
  function table(rows, columns, onClick) {
    var tbl = node('table');
    var head = node('tr');
    columns.forEach(function (c) { head.appendChild(node('th', null, c)); });
    tbl.appendChild(head);
    rows.forEach(function (r) {
      var tr = node('tr');
      columns.forEach(function (c) {
        var v = r[c];
        tr.appendChild(node('td', null, /At$|^time$|^deadline$|^firstSeen$|^lastSeen$/.test(c) ? time(v) : cell(v)));
      });
      if (onClick) { tr.className = 'clickable'; tr.addEventListener('click', function () { onClick(r); }); }
      tbl.appendChild(tr);
    });
    return tbl;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

  /* ---- pages ---- */
  function loadDashboard() {
    api('GET', '/api/v1/indicators').then(function (body) {
      /* the caller's tenant ("overall", all tenants, for the cross-tenant roles) */
      var ind = body.tenant || {};
      var rates = ['writeSuccessRate', 'firstAttemptSuccessRate', 'apiCallSuccessRate',
        'callbackDeliverySuccessRate', 'exceptionClosureInTimeRate'];
      var rows = rates.map(function (k) {
        var v = ind[k];
        return {label: t('ind.' + k), value: typeof v === 'number' ? v : null,
          text: typeof v === 'number' ? (v * 100).toFixed(1) + '%' : ''};
      });
      clear($('dashboard-rates')).appendChild(
        window.AW_CHARTS.bars(t('dashboard.rates'), rows, 1, t('dashboard.noData')));
      var counts = ind.counts || {};
      /* counts only: the write time sum is in the metrics below */
      var keys = Object.keys(counts).filter(function (k) {
        return typeof counts[k] === 'number' && k !== 'writeTimeSumMs';
      });
      var max = keys.reduce(function (m, k) { return Math.max(m, counts[k]); }, 0);
      clear($('dashboard-counts')).appendChild(window.AW_CHARTS.bars(t('dashboard.counts'),
        keys.map(function (k) { return {label: k, value: counts[k], text: String(counts[k])}; }),
        max, t('dashboard.noData')));
      var values = clear($('dashboard-values'));
      ['averageWriteTimeMs', 'p95WriteTimeMs'].forEach(function (k) {
        var p = node('p', 'metric');
        p.appendChild(node('span', 'metric-label', t('ind.' + k)));
        p.appendChild(node('span', 'metric-value', typeof ind[k] !== 'number' ? t('dashboard.noData')
          : Math.round(ind[k])));
        values.appendChild(p);
      });
      $('page-dashboard').setAttribute('data-loaded', 'true');
    }).catch(function (e) { clear($('dashboard-values')).appendChild(node('p', 'error', e.message)); });
  }

  function trackedOrders() {
    try { return JSON.parse(sessionStorage.getItem('aw.orders') || '[]'); } catch (e) { return []; }
  }
  function track(id) {
    var ids = trackedOrders().filter(function (x) { return x !== id; });
    ids.unshift(id);
    sessionStorage.setItem('aw.orders', JSON.stringify(ids.slice(0, 20)));
  }
  // first: a new order goes on top (the list is newest first)
  function renderOrder(order, first) {
    var box = document.querySelector('[data-order-id="' + order.orderId + '"]');
    if (!box) {
      box = node('div', 'card order');
      box.setAttribute('data-order-id', order.orderId);
      if (first) $('order-list').insertBefore(box, $('order-list').firstChild);
      else $('order-list').appendChild(box);
    }
    clear(box);
    var p = order.progress || {};
    var done = (p.written || 0) + (p.failed || 0) + (p.cancelled || 0);
    var pct = order.itemCount ? Math.floor(100 * (p.written || 0) / order.itemCount) : 0;
    box.appendChild(node('h3', null, order.orderId));
    box.appendChild(node('p', 'order-status', t('orders.status') + ': ' + order.status +
      ' · ' + (order.profileType || order.numberPool || '')));
    var bar = node('div', 'progress');
    var fill = node('div', 'progress-fill');
    fill.style.width = pct + '%';
    bar.appendChild(fill);
    box.appendChild(bar);
    var text = node('p', 'progress-text', (p.written || 0) + '/' + order.itemCount + ' ' +
      t('orders.written') + ' (' + pct + '%), ' + (p.failed || 0) + ' ' + t('orders.failed'));
    text.setAttribute('data-percent', String(pct));
    box.appendChild(text);
    return done >= order.itemCount;
  }
  // The tenant's newest orders (GET /api/v1/orders, one page), then the
  // orders tracked by id that are not on it; again every second while one
  // of them is not finished.
  function pollOrders() {
    clearTimeout(pollTimer);
    api('GET', '/api/v1/orders?limit=' + ORDER_PAGE).then(function (page) {
      var listed = {};
      var finished = (page.orders || []).map(function (order) {
        listed[order.orderId] = true;
        return renderOrder(order, false);
      });
      return Promise.all(trackedOrders().filter(function (id) { return !listed[id]; })
        .map(function (id) {
          return api('GET', '/api/v1/orders/' + encodeURIComponent(id))
            .then(function (order) { return renderOrder(order, false); })
            .catch(function (e) { showError('order-error', e); return true; });
        })).then(function (more) { return finished.concat(more); });
    }).catch(function (e) { showError('order-error', e); return [true]; }).then(function (finished) {
      if (current() === 'orders' && finished.some(function (f) { return !f; }))
        pollTimer = setTimeout(pollOrders, 1000);
    });
  }
  function loadOrders() { clear($('order-list')); pollOrders(); }

  function loadCard(field, value) {
    showError('card-error', null);
    var out = clear($('card-result'));
    api('GET', '/api/v1/cards?' + field + '=' + encodeURIComponent(value)).then(function (page) {
      if (!page.cards || page.cards.length === 0) { out.appendChild(node('p', null, t('cards.none'))); return; }
      page.cards.forEach(function (c) {
        var box = node('div', 'card');
        box.appendChild(node('h3', null, c.eid + ' · ' + c.state));
        box.appendChild(node('h4', null, t('cards.profiles')));
        box.appendChild(table(c.profiles || [], Object.keys((c.profiles || [])[0] || {iccid: ''})));
        box.appendChild(node('h4', null, t('cards.history')));
        var hist = node('div');
        box.appendChild(hist);
        out.appendChild(box);
        api('GET', '/api/v1/cards/' + encodeURIComponent(c.eid) + '/history').then(function (h) {
          var ev = h.events || [];
          hist.appendChild(table(ev, Object.keys(ev[0] || {at: ''})));
        }).catch(function (e) { hist.appendChild(node('p', 'error', e.message)); });
      });
    }).catch(function (e) { showError('card-error', e); });
  }

  function loadException(ex) {
    var out = clear($('exception-detail'));
    api('GET', '/api/v1/exceptions/' + encodeURIComponent(ex.exceptionId)).then(function (d) {
      var box = node('div', 'card');
      box.appendChild(node('h3', null, d.exceptionId + ' · ' + d.code + ' · ' + d.grade + ' · ' + d.state));
      box.appendChild(node('p', null, d.cause));
      box.appendChild(node('p', 'muted', 'escalations: ' + d.escalations + ' · deadline: ' +
        time(d.deadline) + (d.hasReport ? ' · report' : '')));
      box.setAttribute('data-exception-id', d.exceptionId);
      box.setAttribute('data-state', d.state);
      if (d.report) {
        box.appendChild(node('h4', null, t('exceptions.report')));
        box.appendChild(node('p', 'exception-report', d.report.text));
      }
      var s = session();
      var path = '/api/v1/exceptions/' + encodeURIComponent(d.exceptionId);
      if (s && HANDLERS.indexOf(s.role) >= 0) {
        (NEXT[d.state] || []).forEach(function (to) {
          var b = node('button', 'transition', t('exceptions.' + to));
          b.type = 'button';
          b.setAttribute('data-to', to);
          b.addEventListener('click', function () {
            showError('exceptions-error', null);
            api('POST', path + '/transition', {to: to})
              .then(function () { loadExceptions(); loadException(d); })
              .catch(function (e) { showError('exceptions-error', e); });
          });
          box.appendChild(b);
        });
        /* the report (required before closing a serious or critical one) */
        if (d.state !== 'closed') {
          var form = node('form', 'report-form');
          var text = node('textarea', 'report-text');
          text.rows = 3;
          text.maxLength = 8000;
          text.setAttribute('aria-label', t('exceptions.report'));
          var submit = node('button', 'report-submit', t('exceptions.submitReport'));
          submit.type = 'submit';
          form.appendChild(node('h4', null, t('exceptions.report')));
          form.appendChild(text);
          form.appendChild(submit);
          form.addEventListener('submit', function (ev) {
            ev.preventDefault();
            showError('exceptions-error', null);
            api('POST', path + '/report', {text: text.value})
              .then(function () { loadExceptions(); loadException(d); })
              .catch(function (e) { showError('exceptions-error', e); });
          });
          box.appendChild(form);
        }
      }
      box.appendChild(node('h4', null, t('exceptions.history')));
      var h = d.history || [];
      var history = table(h, Object.keys(h[0] || {at: ''}));
      history.className = 'exception-history';
      box.appendChild(history);
      out.appendChild(box);
    }).catch(function (e) { showError('exceptions-error', e); });
  }
  function loadExceptions() {
    showError('exceptions-error', null);
    api('GET', '/api/v1/exceptions').then(function (page) {
      var list = clear($('exceptions-list'));
      var rows = page.exceptions || [];
      if (rows.length === 0) list.appendChild(node('p', null, t('exceptions.none')));
      else list.appendChild(table(rows, ['exceptionId', 'code', 'grade', 'state', 'escalations',
        'eid', 'lastSeen', 'deadline'], loadException));
    }).catch(function (e) { showError('exceptions-error', e); });
    /* the weekly review report (复盘): totals per class, grade and state as
     * bars, the overdue exceptions as a table */
    api('GET', '/api/v1/reviews?period=weekly').then(function (review) {
      var out = clear($('reviews-list'));
      out.appendChild(node('p', 'muted', t('exceptions.weekly') + ': ' + review.total));
      ['byClass', 'byGrade', 'byState'].forEach(function (group) {
        var counts = review[group] || {};
        var keys = Object.keys(counts);
        var max = keys.reduce(function (m, k) { return Math.max(m, counts[k]); }, 0);
        var box = node('div', 'card chart');
        box.appendChild(window.AW_CHARTS.bars(t('exceptions.' + group), keys.map(function (k) {
          return {label: k, value: counts[k], text: String(counts[k])};
        }), max, t('dashboard.noData')));
        out.appendChild(box);
      });
      var overdue = review.overdueItems || [];
      if (overdue.length) out.appendChild(table(overdue, Object.keys(overdue[0])));
    }).catch(function (e) { clear($('reviews-list')).appendChild(node('p', 'error', e.message)); });
  }

  function loadAudit(more) {
    showError('audit-error', null);
    if (!more) { auditNext = 0; clear($('audit-list')); }
    api('GET', '/api/v1/audit?limit=50' + (auditNext ? '&from=' + auditNext : '')).then(function (page) {
      var rows = (page.entries || []).map(function (e) {
        return {seq: e.seq, time: e.time, actor: e.actor.type + ':' + e.actor.id + ' (' + e.actor.role + ')',
          tenant: e.tenant, action: e.action, target: e.target, outcome: e.outcome,
          sourceAddress: e.sourceAddress};
      });
      $('audit-list').appendChild(table(rows, ['seq', 'time', 'actor', 'tenant', 'action', 'target',
        'outcome', 'sourceAddress']));
      auditNext = page.nextFrom || 0;
      $('audit-more').hidden = !page.nextFrom;
    }).catch(function (e) { showError('audit-error', e); });
  }

  function roleName(r) { return t('role.' + r); }
  function loadUsers() {
    var s = session();
    var self = clear($('users-self'));
    self.appendChild(node('p', null, t('users.you') + ': ' + s.username));
    self.appendChild(node('p', null, t('users.role') + ': ' + roleName(s.role) + ' (' + s.role + ')'));
    self.appendChild(node('p', null, t('users.tenant') + ': ' + s.tenant));
    clear($('users-roles')).appendChild(table(Object.keys(ROLES).map(function (r) {
      return {role: r, name: roleName(r), scope: ROLES[r]};
    }), ['role', 'name', 'scope']));
    var reader = USER_READERS.indexOf(s.role) >= 0;
    var manager = s.role === USER_MANAGER;
    $('users-note').hidden = reader;
    $('user-form').hidden = !manager;
    showError('users-error', null);
    var list = clear($('users-list'));
    if (!reader) return;
    /* GET /api/v1/users: the tenant's console users with their roles */
    api('GET', '/api/v1/users?limit=200').then(function (page) {
      var tbl = node('table', 'users');
      var head = node('tr');
      ['username', 'users.role', 'users.tenant', 'users.enabled', 'createdAt'].forEach(function (c) {
        head.appendChild(node('th', null, c.indexOf('.') > 0 ? t(c) : c));
      });
      if (manager) head.appendChild(node('th', null, t('users.changeRole')));
      tbl.appendChild(head);
      (page.users || []).forEach(function (u) {
        var tr = node('tr');
        tr.setAttribute('data-username', u.username);
        tr.appendChild(node('td', 'user-name', u.username));
        var role = node('td', 'user-role', roleName(u.role));
        role.setAttribute('data-role', u.role);
        tr.appendChild(role);
        tr.appendChild(node('td', null, u.tenant));
        tr.appendChild(node('td', null, u.enabled ? t('users.yes') : t('users.no')));
        tr.appendChild(node('td', null, time(u.createdAt)));
        if (manager) {
          var td = node('td', 'row');
          var select = node('select', 'user-role-select');
          Object.keys(ROLES).forEach(function (r) {
            var o = node('option', null, roleName(r));
            o.value = r;
            o.selected = r === u.role;
            select.appendChild(o);
          });
          var b = node('button', 'user-role-submit', t('users.changeRole'));
          b.type = 'button';
          b.addEventListener('click', function () {
            showError('users-error', null);
            api('POST', '/api/v1/users/' + encodeURIComponent(u.username) + '/role',
              {role: select.value}).then(loadUsers).catch(function (e) { showError('users-error', e); });
          });
          td.appendChild(select);
          td.appendChild(b);
          tr.appendChild(td);
        }
        tbl.appendChild(tr);
      });
      list.appendChild(tbl);
    }).catch(function (e) { showError('users-error', e); });
  }

  /* ---- routing ---- */
  function current() {
    var h = location.hash.replace('#', '');
    return PAGES.indexOf(h) > 0 ? h : 'dashboard';
  }
  function route() {
    clearTimeout(pollTimer);
    var s = session();
    var allowed = s ? (ROLE_PAGES[s.role] || ['users']) : ['login'];
    var page = s ? current() : 'login';
    if (allowed.indexOf(page) < 0) page = allowed[0];
    PAGES.forEach(function (p) { $('page-' + p).hidden = p !== page; });
    $('nav').hidden = !s;
    $('logout').hidden = !s;
    $('who').textContent = s ? s.username + ' (' + s.role + ', ' + s.tenant + ')' : '';
    Array.prototype.forEach.call(document.querySelectorAll('#nav a'), function (a) {
      a.hidden = allowed.indexOf(a.getAttribute('href').replace('#', '')) < 0;
      a.classList.toggle('active', a.getAttribute('href') === '#' + page);
    });
    var loaders = {dashboard: loadDashboard, orders: loadOrders,
      exceptions: loadExceptions, audit: function () { loadAudit(false); }, users: loadUsers};
    if (loaders[page]) loaders[page]();
  }

  /* ---- events ---- */
  function start() {
    applyLanguage();
    $('lang').addEventListener('change', function () {
      localStorage.setItem('aw.lang', $('lang').value);
      applyLanguage();
      route();
    });
    $('logout').addEventListener('click', function () {
      api('POST', '/api/v1/auth/revoke', {token: session().accessToken}).catch(function () {})
        .then(logout);
    });
    $('login-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      $('login-error').textContent = '';
      api('POST', '/api/v1/auth/login', {username: $('login-username').value,
        password: $('login-password').value}).then(function (r) {
        $('login-password').value = '';
        sessionStorage.setItem('aw.session', JSON.stringify({accessToken: r.accessToken,
          username: r.username, role: r.role, tenant: r.tenant}));
        location.hash = '#' + (ROLE_PAGES[r.role] || ['users'])[0];
        route();
      }).catch(function (e) { $('login-error').textContent = t('login.failed') + ': ' + e.message; });
    });
    $('order-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      showError('order-error', null);
      var eids = $('order-eids').value.split(/[\s,;]+/).filter(function (x) { return x !== '' && x !== 'eid'; });
      api('POST', '/api/v1/orders', {eids: eids, profileType: $('order-profile-type').value.trim()})
        .then(function (order) { track(order.orderId); renderOrder(order, true); pollOrders(); })
        .catch(function (e) { showError('order-error', e); });
    });
    $('order-refresh').addEventListener('click', function () {
      showError('order-error', null);
      loadOrders();
    });
    $('order-lookup').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var id = $('order-lookup-id').value.trim();
      if (id) { track(id); pollOrders(); }
    });
    $('card-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      loadCard($('card-field').value, $('card-value').value.trim());
    });
    $('audit-more').addEventListener('click', function () { loadAudit(true); });
    $('user-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      showError('users-error', null);
      api('POST', '/api/v1/users', {username: $('user-name').value.trim(), role: $('user-role').value,
        password: $('user-password').value}).then(function () {
        $('user-password').value = '';
        $('user-name').value = '';
        loadUsers();
      }).catch(function (e) { showError('users-error', e); });
    });
    window.addEventListener('hashchange', route);
    route();
  }
  document.addEventListener('DOMContentLoaded', start);
}());
