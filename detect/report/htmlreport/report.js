(function () {
  "use strict";
  // Sorting: a click on a header of a table.sortable sorts its body by that
  // column (numbers by their data-v or text, else text); again reverses.
  function key(td) {
    var v = td.getAttribute("data-v");
    if (v === null) { v = td.textContent; }
    var x = parseFloat(v);
    return isNaN(x) ? v.toLowerCase() : x;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, col) {
      th.classList.add("sortable");
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var dir = th.getAttribute("data-dir") === "desc" ? 1 : -1;
        th.setAttribute("data-dir", dir === 1 ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return x < y ? -dir : x > y ? dir : 0;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Filtering: an input.filter with data-for=ID shows only the rows of
  // table ID that contain its text.
  document.querySelectorAll("input.filter").forEach(function (input) {
    input.hidden = false;
    var table = document.getElementById(input.getAttribute("data-for"));
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
})();
