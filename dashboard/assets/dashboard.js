// The dashboard updates itself from the server's snapshots (server-sent
// events; polling where EventSource is missing). ES5, for old browsers.
(function () {
  'use strict';
  var root = document.getElementById('dashboard');
  var en = root.getAttribute('data-lang') === 'en';
  var prefix = root.getAttribute('data-prefix');
  function L(ru, eng) { return en ? eng : ru; }
  function $(id) { return document.getElementById(id); }
  var phases = {
    empty: ['не создано', 'not defined'], ceremony: ['формирование ключа', 'key ceremony'],
    keyed: ['ожидает начала голосования', 'waiting for voting to open'], open: ['идёт голосование', 'voting open'],
    closed: ['голосование завершено', 'voting closed'], tallied: ['подсчёт, расшифрование', 'tallied, being decrypted'],
    decided: ['итоги объявлены', 'result published']
  };
  function text(el, s) { if (el) { el.textContent = s; } }
  function pct(a, b) { return b ? (100 * a / b).toFixed(1) : '—'; }

  function table(s) {
    var tb = $('turnout').tBodies[0];
    tb.innerHTML = '';
    function row(cls, name, issued, voted) {
      var tr = document.createElement('tr');
      if (cls === 'region') { tr.className = 'region'; }
      var th = document.createElement('th');
      th.scope = 'row';
      if (cls !== 'region') { th.className = 'district'; }
      th.textContent = name;
      tr.appendChild(th);
      var cells = [issued, voted, pct(voted, issued)];
      for (var i = 0; i < cells.length; i++) {
        var td = document.createElement('td');
        td.textContent = cells[i];
        tr.appendChild(td);
      }
      tb.appendChild(tr);
    }
    for (var i = 0; i < s.regions.length; i++) {
      var r = s.regions[i];
      row('region', en ? r.name.en : r.name.ru, r.issued, r.voted);
      for (var j = 0; j < r.districts.length; j++) {
        var d = r.districts[j];
        row('district', d.id, d.issued, d.voted);
      }
    }
  }

  var svgNS = 'http://www.w3.org/2000/svg';
  function chart(series) {
    var svg = $('chart');
    while (svg.childNodes.length > 1) { svg.removeChild(svg.lastChild); }
    var W = 600, H = 220, pad = 30;
    if (!series.length) { return; }
    var t0 = series[0].t, t1 = series[series.length - 1].t, max = 1;
    for (var i = 0; i < series.length; i++) { max = Math.max(max, series[i].issued, series[i].voted); }
    function x(t) { return pad + (t1 > t0 ? (W - 2 * pad) * (t - t0) / (t1 - t0) : (W - 2 * pad)); }
    function y(v) { return H - pad - (H - 2 * pad) * v / max; }
    var axis = document.createElementNS(svgNS, 'path');
    axis.setAttribute('d', 'M' + pad + ' ' + pad + 'V' + (H - pad) + 'H' + (W - pad));
    axis.setAttribute('stroke', '#555');
    axis.setAttribute('fill', 'none');
    svg.appendChild(axis);
    var label = document.createElementNS(svgNS, 'text');
    label.setAttribute('x', pad + 4);
    label.setAttribute('y', pad - 8);
    label.setAttribute('font-size', '12');
    label.textContent = max;
    svg.appendChild(label);
    var keys = [['issued', '#0b4f9c'], ['voted', '#1d6b35']];
    for (var k = 0; k < keys.length; k++) {
      var d = '';
      for (var p = 0; p < series.length; p++) {
        d += (p ? 'L' : 'M') + x(series[p].t).toFixed(1) + ' ' + y(series[p][keys[k][0]]).toFixed(1);
      }
      if (series.length === 1) { d += 'H' + (W - pad); }
      var line = document.createElementNS(svgNS, 'path');
      line.setAttribute('d', d);
      line.setAttribute('stroke', keys[k][1]);
      line.setAttribute('stroke-width', '2.5');
      line.setAttribute('fill', 'none');
      svg.appendChild(line);
    }
  }

  function update(s) {
    var ph = phases[s.phase] || [s.phase, s.phase];
    text($('phase'), en ? ph[1] : ph[0]);
    text($('issued'), s.counts.issued);
    text($('voted'), s.counts.voted);
    text($('revotes'), s.counts.superseded);
    text($('entries'), s.entries);
    text($('checkpoint'), s.checkpoint);
    text($('cosigners'), s.cosigners.length ? s.cosigners.join(', ') : '—');
    text($('ceremony'), L('хранителей: ', 'guardians: ') + s.ceremony.guardians + L(', порог ', ', threshold ') + s.ceremony.threshold +
      L('; первый раунд: ', '; round 1: ') + s.ceremony.round1 + L(', второй: ', ', round 2: ') + s.ceremony.round2 + '; ' +
      (s.ceremony.key_published ? L('ключ опубликован', 'key published') : L('ключ не опубликован', 'key not published')) +
      L('; хранителей на связи: ', '; guardians with a heartbeat: ') + s.ceremony.heartbeats + '; ' +
      (s.ceremony.key_tested_at ? L('проверка ключа: ', 'key tested: ') + new Date(s.ceremony.key_tested_at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : L('ключ не проверен', 'key not tested')));
    text($('decryption'), L('долей расшифрования: ', 'decryption shares: ') + s.decryption.shares + ' / ' + s.decryption.threshold + '; ' +
      (s.decryption.result ? L('итоги опубликованы', 'result published') : L('итогов нет', 'no result yet')) +
      L('; подписи комиссии: ', '; commission signatures: ') + s.decryption.signatures + ' / ' + s.decryption.commission +
      L('; жалоб: ', '; disputes: ') + s.decryption.disputes + L(', нерассмотренных: ', ', unresolved: ') + s.decryption.unresolved);
    var list = $('alert-list');
    list.innerHTML = '';
    for (var i = 0; i < s.alerts.length; i++) {
      var a = s.alerts[i], li = document.createElement('li'), b = document.createElement('strong');
      b.textContent = a.kind;
      li.appendChild(b);
      li.appendChild(document.createTextNode((a.entry >= 0 ? L(' — запись ', ' — entry ') + a.entry : '') + ': ' + a.detail));
      list.appendChild(li);
    }
    $('alerts').hidden = s.alerts.length === 0;
    table(s);
    chart(s.series);
  }

  $('goto').onsubmit = function (ev) {
    ev.preventDefault();
    var n = $('entry-n').value;
    if (n !== '') { window.location.href = prefix + 'entry/' + encodeURIComponent(n) + (en ? '?lang=en' : ''); }
  };

  function poll() {
    var x = new XMLHttpRequest();
    x.open('GET', prefix + 'status');
    x.onload = function () { try { update(JSON.parse(x.responseText)); } catch (e) { /* next time */ } setTimeout(poll, 3000); };
    x.onerror = function () { setTimeout(poll, 5000); };
    x.send();
  }
  if (window.EventSource) {
    var es = new EventSource(prefix + 'events');
    es.onmessage = function (ev) { update(JSON.parse(ev.data)); };
  } else {
    poll();
  }
  // Fill the table's percentages and the chart at once.
  var x0 = new XMLHttpRequest();
  x0.open('GET', prefix + 'status');
  x0.onload = function () { update(JSON.parse(x0.responseText)); };
  x0.send();
})();
