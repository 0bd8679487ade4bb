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
  // The urgency of a repair, proposed from the description while the clerk leaves the choice empty.
  const urgency = form.querySelector("[name=urgency]");
  const proposal = document.getElementById("urgency-proposal");
  const content = form.querySelector("[name=content]");
  function propose() {
    if (!urgency || !proposal || !content) return;
    const text = content.value;
    const has = function (attr) {
      return (urgency.dataset[attr] || "").split("|").some(function (w) { return w && text.indexOf(w) >= 0; });
    };
    const code = has("emergencyWords") ? "emergency" : has("urgentWords") ? "urgent" : "normal";
    const option = urgency.querySelector("option[value=" + code + "]");
    proposal.textContent = urgency.value || !text.trim() || !option ? "" : proposal.dataset.prefix + "：" + option.textContent;
  }
  if (content) content.addEventListener("input", propose);
  if (urgency) urgency.addEventListener("change", propose);
  propose();
  form.addEventListener("submit", function () { document.getElementById("register-button").disabled = true; });
})();
