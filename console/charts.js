/* airwrite web console: small inline-SVG charts (no library): horizontal
 * bars for rates in [0, 1] and for counts. */
'use strict';
window.AW_CHARTS = (function () {
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /* rows: [{label, value (number or null), text}], max: the full bar */
  function bars(title, rows, max, noData) {
    var rowH = 28, labelW = 210, barW = 360, h = 34 + rows.length * rowH;
    var svg = el('svg', {viewBox: '0 0 ' + (labelW + barW + 90) + ' ' + h, role: 'img',
      'aria-label': title, 'class': 'bars'});
    svg.appendChild(el('text', {x: 0, y: 18, 'class': 'chart-title'}, title));
    rows.forEach(function (r, i) {
      var y = 30 + i * rowH;
      svg.appendChild(el('text', {x: 0, y: y + 16, 'class': 'chart-label'}, r.label));
      svg.appendChild(el('rect', {x: labelW, y: y + 2, width: barW, height: 18, 'class': 'track'}));
      if (r.value !== null && r.value > 0 && max > 0) {
        var w = Math.max(2, Math.round(barW * Math.min(r.value, max) / max));
        svg.appendChild(el('rect', {x: labelW, y: y + 2, width: w, height: 18, 'class': 'bar'}));
      }
      svg.appendChild(el('text', {x: labelW + barW + 8, y: y + 16, 'class': 'chart-value'},
        r.value === null ? noData : r.text));
    });
    return svg;
  }
  return {bars: bars};
}());
