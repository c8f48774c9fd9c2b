// Conditional form fields: a field row with data-show-if='{"field": name, "equals": value}' is shown only
// while the named field holds that value. The server applies the same rule (apps/catalog/formdefs.py).
(function () {
  function currentValues(form, name) {
    const inputs = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    const values = [];
    inputs.forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) values.push(el.value === "on" ? "true" : el.value); }
      else if (el.type === "radio") { if (el.checked) values.push(el.value); }
      else if (el.multiple) { Array.from(el.selectedOptions).forEach(function (o) { values.push(o.value); }); }
      else { values.push(el.value); }
    });
    if (inputs.length === 1 && inputs[0].type === "checkbox" && !inputs[0].checked) values.push("false");
    return values;
  }
  function refresh(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (row) {
      const rule = JSON.parse(row.dataset.showIf);
      const values = currentValues(form, rule.field);
      const expected = String(rule.equals);
      const show = values.indexOf(expected) !== -1;
      row.hidden = !show;
      row.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !show; });
    });
  }
  function init(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-show-if]")) return;
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
      form.addEventListener("input", function () { refresh(form); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();

// Refusals (403) and stale pages (409) come back as fragments carrying the message: swap them in
// (htmx does not swap 4xx answers by default).
document.addEventListener("htmx:beforeSwap", function (e) {
  if ([403, 409].indexOf(e.detail.xhr.status) !== -1) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});

// Canned replies: choosing an option with data-body puts that text in the element named by the select's
// data-fill-target (templates/fulfillment/includes/canned_replies.html). Here, not inline: the CSP forbids
// inline handlers.
document.addEventListener("change", function (e) {
  const select = e.target;
  if (!(select instanceof HTMLSelectElement) || !select.dataset.fillTarget) return;
  const option = select.selectedOptions[0];
  const target = document.getElementById(select.dataset.fillTarget);
  if (option && option.value && target) {
    target.value = option.dataset.body || "";
    target.focus();
  }
});

// Forms with data-change-trigger="<event>" send that htmx event when a field other than a text or number
// box changes (templates/fulfillment/queue.html); text boxes wait for Enter or the button. This replaces an
// hx-trigger filter expression, which htmx can only evaluate with eval (forbidden by the CSP).
document.addEventListener("change", function (e) {
  const field = e.target;
  const form = field instanceof Element ? field.closest("form[data-change-trigger]") : null;
  if (!form || field.type === "text" || field.type === "number" || field.type === "search") return;
  htmx.trigger(form, form.dataset.changeTrigger);
});
