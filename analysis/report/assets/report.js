/* The reports' one script (shipped once as reports/assets/report.js; inlined with --standalone):
   draw the charts, sort and filter tables, open clipped cells, filter and search the close reading,
   CSV downloads. */
(function () {
  "use strict";
  function text(el) { return (el.innerText || el.textContent || "").trim(); }
  // Spreadsheet-safe, as analysis/storage.py's escape_formula: a cell Excel or WPS would run as a
  // formula (=, +, -, @, TAB, CR first, once any leading ' are set aside; not a plain number) gets a leading '.
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
  document.addEventListener("click", function (event) {
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
