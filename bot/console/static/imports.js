// The progress of an import or a broadcast: polls the page's JSON (data-url) and shows it in
// the <progress> element and the text beside it; the texts come from the page (data-*).
"use strict";
(function () {
  var box = document.querySelector("[data-url][data-running]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[role=status]");
  var failures = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function show(data) {
    if (data.max !== undefined) bar.max = data.max;
    bar.value = data.value !== undefined ? data.value : data.percent;
    var template = data.rows === 0 && box.dataset.waiting ? box.dataset.waiting : box.dataset.running;
    text.textContent = fill(template, data);
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.done) {
          text.textContent = box.dataset.done;
          window.setTimeout(function () { window.location.reload(); }, 800);
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        failures += 1;
        if (failures > 5) { text.textContent = box.dataset.lost; return; }
        window.setTimeout(poll, 4000);
      });
  }
  window.setTimeout(poll, 1000);
})();
