// Behaviour that templates ask for with data- attributes. The Content-Security-Policy refuses inline
// script and event-handler attributes (onclick=…), so every page's script lives in a static file.
(function () {
  "use strict";
  // <button data-print>: print the page (receipts, one-time notices).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (!button) { return; }
    event.preventDefault();
    window.print();
  });
  // <select data-autosubmit> / <input type=file data-autosubmit>: send the form as soon as a value is chosen.
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  // On a phone, tables become cards (shouwen.css): each cell is labelled with its column's heading.
  function labelCells(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length) { return; }
      table.classList.add("cards");
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          var head = heads[i];
          if (head && cell.colSpan === 1 && !cell.hasAttribute("data-label") && head.textContent.trim()) {
            cell.setAttribute("data-label", head.textContent.trim());
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSwap", function (event) { labelCells(event.target); });
})();
