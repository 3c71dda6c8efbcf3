// The public status of every election, refreshed every five seconds.
"use strict";
var phases = { ceremony: "Церемония ключей", keyed: "Ключ готов", open: "Идёт голосование",
  closed: "Голосование завершено", tallied: "Подсчёт", decided: "Итоги" };
function cell(tr, text, cls) {
  var td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}
function refresh() {
  var xhr = new XMLHttpRequest();
  xhr.open("GET", "/api/v1/elections");
  xhr.onload = function () {
    if (xhr.status !== 200) return;
    var body = document.querySelector("#elections tbody");
    var list = JSON.parse(xhr.responseText).elections;
    body.textContent = "";
    list.forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, e.title.ru + (e.training ? " (тренировка)" : ""));
      cell(tr, phases[e.phase] || e.phase);
      cell(tr, String(e.counts.issued || 0), "num");
      cell(tr, String(e.counts.voted || 0), "num");
      cell(tr, String(e.entries), "num");
      body.appendChild(tr);
    });
  };
  xhr.send();
}
refresh();
setInterval(refresh, 5000);
