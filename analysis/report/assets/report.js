/* The reports' one script (shipped once as reports/assets/report.js; inlined with --standalone):
   draw the charts, sort and filter tables, open clipped cells, filter and search the close reading,
   CSV downloads, and the review: a reader's decisions on the page's pairs, kept in the browser
   (localStorage) and downloaded as the corrections file (analysis/report/reading.py describes the
   page's contract). */
(function () {
  "use strict";
  function text(el) { return (el.innerText || el.textContent || "").trim(); }
  // Spreadsheet-safe, as analysis/storage.py's escape_formula (unescape_formula reads it back): a cell Excel or
  // WPS would run as a formula (=, +, -, @, TAB, CR first, once any leading ' are set aside; not a plain number)
  // gets a leading '.
  function csvCell(v) {
    var core = v.replace(/^'+/, "");
    if (/^[=+\-@\t\r]/.test(core) && !/^[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?$/.test(core)) v = "'" + v;
    return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function tableCsv(table) {
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th,td").forEach(function (c) { cells.push(csvCell(c.textContent.trim())); });
      lines.push(cells.join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  function download(name, content) {
    var blob = new Blob([content], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }
  // --- the review: decisions by pair (source doc, source task, target doc, target task) ---
  var PAIR = ["data-source-doc", "data-source-task", "data-target-doc", "data-target-task"];
  var reviewRoot = document.querySelector("[data-review-key]");
  var storeKey = reviewRoot && "workplan-review/" + reviewRoot.getAttribute("data-review-key");
  var decisions = {};
  try { decisions = JSON.parse(window.localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { decisions = {}; }
  function saveDecisions() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(decisions)); } catch (e) { /* kept for this visit only */ }
  }
  function pairKey(el) { return PAIR.map(function (name) { return el.getAttribute(name); }).join("\t"); }
  function decidable() { return document.querySelectorAll(".decide[data-source-task]"); }
  function showDecisions() {
    var decided = {};
    decidable().forEach(function (pair) {
      var key = pairKey(pair), d = decisions[key] || {};
      pair.querySelectorAll("[data-relation]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-relation") === d.relation));
      });
      var note = pair.querySelector("[data-note]");
      if (note && note !== document.activeElement) note.value = d.note || "";
      pair.classList.toggle("decided", !!d.relation);
      if (d.relation) decided[key] = true;
    });
    document.querySelectorAll(".review-count").forEach(function (c) {
      c.textContent = c.getAttribute("data-template").replace("{n}", String(Object.keys(decided).length));
    });
  }
  function decide(pair, changes) {
    var key = pairKey(pair), d = decisions[key] || {relation: "", note: ""};
    Object.keys(changes).forEach(function (k) { d[k] = changes[k]; });
    if (d.relation || d.note) decisions[key] = d; else delete decisions[key];
    saveDecisions();
    showDecisions();
  }
  function correctionsCsv(columns) {
    var lines = [columns.map(csvCell).join(",")], seen = {};
    decidable().forEach(function (pair) {
      var key = pairKey(pair), d = decisions[key];
      if (!d || !d.relation || seen[key]) return;
      seen[key] = true;
      var ids = key.split("\t"), row = {source_doc: ids[0], source_task_id: ids[1], target_doc: ids[2],
        target_task_id: ids[3], relation: d.relation, note: d.note || ""};
      lines.push(columns.map(function (c) { return csvCell(row[c] || ""); }).join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  if (reviewRoot) showDecisions();
  document.addEventListener("click", function (event) {
    var choice = event.target.closest(".decide [data-relation]");
    if (choice) {
      var pair = choice.closest(".decide"), chosen = choice.getAttribute("data-relation");
      decide(pair, {relation: (decisions[pairKey(pair)] || {}).relation === chosen ? "" : chosen});
      return;
    }
    var save = event.target.closest("[data-action=download-corrections]");
    if (save) {
      download(save.getAttribute("data-name"), correctionsCsv(save.getAttribute("data-columns").split(",")));
      return;
    }
    var button = event.target.closest("button.csv");
    if (button) {
      var box = button.closest(".tbl, .chart");
      var table = box && (box.querySelector("table.chart-data") || box.querySelector("table.data"));
      if (table) download(button.getAttribute("data-name"), tableCsv(table));
      return;
    }
    var cell = event.target.closest("td.clip");
    if (cell) { cell.classList.toggle("open"); return; }
    var th = event.target.closest("table.data th");
    if (th) sortBy(th);
  });
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = !th.classList.contains("asc");
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
    th.classList.add(asc ? "asc" : "desc");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index], y = b.cells[index];
      if (!x || !y) return 0;
      var xs = x.getAttribute("data-sort"), ys = y.getAttribute("data-sort"), r;
      if (xs !== null && ys !== null) {
        r = (xs === "" ? -Infinity : parseFloat(xs)) - (ys === "" ? -Infinity : parseFloat(ys));
      } else {
        r = text(x).localeCompare(text(y), document.documentElement.lang || "zh");
      }
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.hasAttribute("data-note") && input.closest(".decide")) decide(input.closest(".decide"), {note: input.value});
    if (input.classList.contains("tbl-filter")) {
      var q = input.value.trim().toLowerCase();
      input.closest(".tbl").querySelectorAll("tbody tr").forEach(function (tr) {
        tr.classList.toggle("hidden-row", q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0);
      });
    }
    if (input.classList.contains("close-search") || input.classList.contains("rel-filter")) closeFilter(input.closest(".close-reading"));
  });
  document.addEventListener("change", function (event) {
    if (event.target.classList.contains("rel-filter")) closeFilter(event.target.closest(".close-reading"));
  });
  function closeFilter(root) {
    var rel = root.querySelector(".rel-filter").value, q = root.querySelector(".close-search").value.trim().toLowerCase();
    root.querySelectorAll("details.group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll(".pair").forEach(function (pair) {
        var ok = (rel === "" || (rel === "uncertain" ? pair.getAttribute("data-uncertain") === "1" : pair.getAttribute("data-rel") === rel))
          && (q === "" || pair.getAttribute("data-search").toLowerCase().indexOf(q) >= 0);
        pair.classList.toggle("hidden-row", !ok);
        if (ok) shown++;
      });
      group.classList.toggle("hidden-row", shown === 0);
      if ((rel !== "" || q !== "") && shown) group.open = true;
    });
  }
  // The charts: each page holds its figures as JSON (no inline script: the pages' CSP runs none).
  document.querySelectorAll("script.plotly-figure").forEach(function (spec) {
    var chart = JSON.parse(spec.textContent), div = document.getElementById(spec.getAttribute("data-for"));
    if (div && window.Plotly) Plotly.newPlot(div, chart.figure.data, chart.figure.layout, chart.config);
  });
  window.addEventListener("beforeprint", function () { document.querySelectorAll("details").forEach(function (d) { d.open = true; }); });
})();
