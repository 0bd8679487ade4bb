// The intake form: show the fieldsets of the chosen category, the answer box of a call settled on the
// spot, and fill the caller from a resident picked in the phone lookup (the htmx fragment below the number).
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) { return; }
  const category = form.querySelector("[name=category]");
  const onspot = form.querySelector("[name=answered_on_spot]");
  function sync() {
    form.querySelectorAll("fieldset.when").forEach(function (fs) {
      fs.hidden = fs.dataset.when.split(" ").indexOf(category.value) < 0;
    });
    form.querySelector(".when-onspot").hidden = !onspot.checked;
  }
  category.addEventListener("change", sync);
  onspot.addEventListener("change", sync);
  sync();
  form.addEventListener("click", function (ev) {
    const pick = ev.target.closest("[data-pick-resident]");
    if (!pick) return;
    ev.preventDefault();
    form.querySelector("[name=resident]").value = pick.dataset.pickResident;
    form.querySelector("[name=unit]").value = pick.dataset.pickUnit || "";
    form.querySelector("[name=caller_name]").value = pick.dataset.name;
    form.querySelector("[name=unit_text]").value = pick.dataset.unitLabel || "";
    form.querySelectorAll("[data-pick-resident]").forEach(function (b) { b.classList.remove("picked"); });
    pick.classList.add("picked");
  });
  form.addEventListener("submit", function () { document.getElementById("register-button").disabled = true; });
})();
