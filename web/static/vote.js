// The ballot page. The voter's device — this script and the WebAssembly
// build of urna's ballot code (client/wasm) — obtains the voter's anonymous
// credential, encrypts and proves the ballot, and sends only the encrypted
// ballot: the plaintext choice never leaves the device. Written in ES5
// with XMLHttpRequest, for old browsers.
(function () {
  'use strict';

  var root = document.getElementById('ballot');
  var P = JSON.parse(root.getAttribute('data-params'));
  var en = document.documentElement.lang === 'en';
  function L(ru, eng) { return en ? eng : ru; }
  function $(id) { return document.getElementById(id); }

  var sections = ['loading', 'choose', 'confirm', 'working', 'queue', 'opened', 'done'];
  function show(id) {
    for (var i = 0; i < sections.length; i++) {
      $(sections[i]).hidden = sections[i] !== id;
    }
    var el = $(id);
    if (el.getAttribute('tabindex') === '-1') { el.focus(); }
  }
  function problem(msg) {
    var p = $('problem');
    p.textContent = msg;
    p.hidden = !msg;
  }

  // Bytes travel to the server as base64 in JSON, to the module as
  // Uint8Array.
  function toB64(u8) {
    var s = '';
    for (var i = 0; i < u8.length; i++) { s += String.fromCharCode(u8[i]); }
    return btoa(s);
  }
  function fromB64(b64) {
    var s = atob(b64), u8 = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { u8[i] = s.charCodeAt(i); }
    return u8;
  }

  function request(method, url, body, done) {
    var x = new XMLHttpRequest();
    x.open(method, url);
    x.setRequestHeader('Content-Type', 'application/json');
    x.onload = function () {
      var data = null;
      try { data = JSON.parse(x.responseText); } catch (e) { data = null; }
      done(x.status, data, x);
    };
    x.onerror = function () { done(0, null, x); };
    x.send(body === null ? null : JSON.stringify(body));
  }
  function messageOf(status, data) {
    if (data && data.message) { return en ? data.message.en : data.message.ru; }
    if (status === 0) { return L('Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.', 'No connection to the server. Check your connection and try again.'); }
    return L('Ошибка сервера (' + status + '). Попробуйте ещё раз.', 'Server error (' + status + '). Please try again.');
  }

  // The device's credential for this election: issued once, kept in this
  // browser so the voter can re-vote (a later ballot of the same
  // credential replaces the earlier one).
  var storeKey = 'urna.device.' + P.election + '.' + P.account;
  var memory = null;
  function loadDevice() {
    try { return JSON.parse(window.localStorage.getItem(storeKey)); } catch (e) { return memory; }
  }
  function saveDevice(d) {
    memory = d;
    try { window.localStorage.setItem(storeKey, JSON.stringify(d)); } catch (e) { /* private mode: kept for this page only */ }
  }

  function style() { return P.style; }
  function ctx() { return fromB64(P.context); }
  function key() { return fromB64(P.key); }

  function withDevice(next) {
    var d = loadDevice();
    if (d && d.credential) { next(d); return; }
    var req;
    try {
      req = window.urna.credentialRequest(fromB64(P.issuer), ctx(), P.district);
    } catch (e) { problem(String(e.message || e)); show('choose'); return; }
    request('POST', '/api/v1/elections/' + encodeURIComponent(P.election) + '/credential', { blinded: toB64(req.blinded) }, function (status, data) {
      if (status !== 200) {
        if (data && data.code === 'credential_already_issued') {
          problem(L('Бюллетень этих выборов вам уже выдан на другом устройстве или в другом браузере. Переголосовать можно только оттуда.',
            'This election\'s ballot was already issued to you on another device or browser. You can re-vote only from there.'));
        } else {
          problem(messageOf(status, data));
        }
        show('choose');
        return;
      }
      try {
        var c = window.urna.credentialFinalize(req.request, fromB64(data.blind_signature));
        d = { credential: toB64(c.credential), secret: toB64(c.secret), seq: 0 };
      } catch (e) { problem(String(e.message || e)); show('choose'); return; }
      saveDevice(d);
      next(d);
    });
  }

  // choices reads the form: per contest of the style, 0 or 1 per option.
  function choices() {
    var out = [], st = style();
    for (var i = 0; i < st.length; i++) {
      var row = [];
      for (var j = 0; j < st[i][1]; j++) {
        row.push($('o-' + st[i][0] + '-' + j).checked ? 1 : 0);
      }
      out.push(row);
    }
    return out;
  }
  function describe(list, cs) {
    list.innerHTML = '';
    var sets = root.querySelectorAll('fieldset.contest');
    for (var i = 0; i < sets.length; i++) {
      var names = [];
      for (var j = 0; j < cs[i].length; j++) {
        if (cs[i][j]) {
          names.push(root.querySelector('label[for="o-' + sets[i].getAttribute('data-index') + '-' + j + '"]').textContent);
        }
      }
      var li = document.createElement('li');
      var legend = sets[i].querySelector('legend').firstChild.textContent.replace(/\s+$/, '');
      li.textContent = legend + ': ' + (names.length ? names.join(', ') : L('нет отметок', 'nothing marked'));
      list.appendChild(li);
    }
  }

  // Selection limits, enforced as the voter chooses.
  function limit(fs) {
    var max = +fs.getAttribute('data-max'), min = +fs.getAttribute('data-min');
    var boxes = fs.querySelectorAll('input[type=checkbox]');
    if (!boxes.length) { return true; }
    var n = 0, i;
    for (i = 0; i < boxes.length; i++) { if (boxes[i].checked) { n++; } }
    for (i = 0; i < boxes.length; i++) { boxes[i].disabled = !boxes[i].checked && n >= max; }
    fs.querySelector('.count').textContent = L('Отмечено ' + n + ' из ' + max, n + ' of ' + max + ' marked');
    return n >= min && n <= max;
  }

  function encrypt(d) {
    d.seq += 1; // every encryption takes a fresh sequence number
    saveDevice(d);
    return window.urna.encrypt(ctx(), key(), style(), fromB64(d.credential), fromB64(d.secret), d.seq, current);
  }

  var current = null;

  function cast() {
    show('working');
    problem('');
    withDevice(function (d) {
      var enc;
      try { enc = encrypt(d); } catch (e) { problem(String(e.message || e)); show('confirm'); return; }
      send(enc);
    });
  }
  function send(enc) {
    request('POST', '/cast/v1/elections/' + encodeURIComponent(P.election) + '/ballots', { ballot: toB64(enc.ballot) }, function (status, data, x) {
      if (status === 200) {
        $('tracking-code').textContent = data.tracking_code;
        $('track-link').href = '/track?election=' + encodeURIComponent(P.election) + '&code=' + encodeURIComponent(data.tracking_code);
        $('receipt-link').href = 'data:application/json;charset=utf-8,' + encodeURIComponent(JSON.stringify(data));
        show('done');
        return;
      }
      if (status === 503 && data && data.code === 'busy') {
        $('queue-position').textContent = data.position;
        $('queue-wait').textContent = data.wait_seconds;
        show('queue');
        setTimeout(function () { send(enc); }, Math.max(1, +data.wait_seconds || +x.getResponseHeader('Retry-After') || 2) * 1000);
        return;
      }
      problem(messageOf(status, data));
      show('confirm');
    });
  }

  function challenge() {
    show('working');
    problem('');
    withDevice(function (d) {
      var enc, opened;
      try {
        enc = encrypt(d);
        opened = window.urna.checkOpening(ctx(), key(), style(), enc.ballot, enc.opening);
      } catch (e) { problem(String(e.message || e)); show('confirm'); return; }
      request('POST', '/cast/v1/elections/' + encodeURIComponent(P.election) + '/spoils', { ballot: toB64(enc.ballot), opening: toB64(enc.opening) }, function (status, data) {
        if (status !== 200) { problem(messageOf(status, data)); show('confirm'); return; }
        $('opened-code').textContent = enc.trackingCode;
        describe($('opened-choices'), opened);
        show('opened');
      });
    });
  }

  function ready() {
    try { window.urna.selfTest(); } catch (e) {
      problem(L('Модуль шифрования не прошёл самопроверку: голосовать с этого устройства нельзя.', 'The encryption module failed its self-test: this device cannot vote.') + ' ' + (e.message || e));
      $('loading').hidden = true;
      return;
    }
    var sets = root.querySelectorAll('fieldset.contest');
    for (var i = 0; i < sets.length; i++) {
      (function (fs) {
        fs.onchange = function () { limit(fs); };
        limit(fs);
      })(sets[i]);
    }
    $('choose').onsubmit = function (ev) {
      ev.preventDefault();
      for (var i = 0; i < sets.length; i++) {
        if (!limit(sets[i])) {
          problem(L('Проверьте число отметок в вопросе: ', 'Check how many options are marked in: ') + sets[i].querySelector('legend').firstChild.textContent);
          return;
        }
      }
      problem('');
      current = choices();
      describe($('summary'), current);
      show('confirm');
    };
    $('back').onclick = function () { show('choose'); };
    $('cast').onclick = cast;
    $('challenge').onclick = challenge;
    $('again').onclick = function () { show('choose'); };
    $('revote').onclick = function () { show('choose'); };
    show('choose');
  }

  // Load the module with visible progress, then start it.
  function load() {
    if (typeof WebAssembly !== 'object' || typeof Go !== 'function') {
      problem(L('Этот браузер не поддерживает WebAssembly. Откройте страницу в более новом браузере.', 'This browser does not support WebAssembly. Open the page in a newer browser.'));
      $('loading').hidden = true;
      return;
    }
    var x = new XMLHttpRequest();
    var size = +root.getAttribute('data-wasm-size') || 1;
    x.open('GET', root.getAttribute('data-wasm'));
    x.responseType = 'arraybuffer';
    x.onprogress = function (ev) {
      $('progress').value = Math.min(99, Math.round(100 * ev.loaded / size));
    };
    x.onerror = function () { problem(messageOf(0, null)); };
    x.onload = function () {
      if (x.status !== 200) { problem(messageOf(x.status, null)); return; }
      $('progress').value = 100;
      var go = new Go();
      window.urnaReady = ready;
      WebAssembly.instantiate(x.response, go.importObject).then(function (res) {
        go.run(res.instance);
      }, function (e) { problem(String(e)); });
    };
    x.send();
  }
  load();
})();
