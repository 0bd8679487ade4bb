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
})();
