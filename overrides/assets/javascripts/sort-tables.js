// Click a column heading of a table inside `.pd-sortable` to sort its rows by that column;
// click again to reverse. Dates are ISO (year-month-day), so text order is date order; cells
// holding "—" (unknown) always go last. A filter box (`.pd-filter input`) beside the table
// keeps only the rows whose text holds every word typed in it.
(function () {
  "use strict";
  function key(row, column) {
    var cell = row.cells[column];
    return cell ? cell.textContent.trim().toLowerCase() : "";
  }
  function sortBy(table, column, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, column), y = key(b, column);
      if (x === "—" || y === "—") return (x === "—") - (y === "—");
      var order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function filterRows(box, input) {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    box.querySelectorAll("tbody tr").forEach(function (row) {
      var text = row.textContent.toLowerCase();
      row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  }
  function init() {
    document.querySelectorAll(".pd-sortable").forEach(function (box) {
      var input = box.querySelector(".pd-filter input");
      if (!input || input.dataset.pdFilter) return;
      input.dataset.pdFilter = "yes";
      input.addEventListener("input", function () { filterRows(box, input); });
    });
    document.querySelectorAll(".pd-sortable table").forEach(function (table) {
      if (table.dataset.pdSortable || !table.tHead || !table.tBodies.length) return;
      table.dataset.pdSortable = "yes";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
        th.setAttribute("role", "columnheader");  // Material's CSS then shows sort icons
        th.title = "Sort by this column";
        th.setAttribute("aria-sort", "none");
        th.addEventListener("click", function () {
          var descending = th.getAttribute("aria-sort") === "ascending";
          Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
            other.setAttribute("aria-sort", "none");
          });
          th.setAttribute("aria-sort", descending ? "descending" : "ascending");
          sortBy(table, column, descending);
        });
      });
    });
  }
  // Material's document$ emits after instant navigation (not for pages opened from disk), so
  // also run now; tables already set up are skipped.
  if (window.document$) window.document$.subscribe(init);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
