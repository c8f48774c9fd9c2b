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

// Pickers (a text box with data-picker and a <datalist>, apps/fulfillment/forms.py and apps/catalog/formdefs):
// their search views read what was typed as ?q=, whatever the box's own name. Set here because hx-vals="js:..."
// needs eval, which the CSP forbids.
document.addEventListener("htmx:configRequest", function (e) {
  const field = e.detail.elt;
  if (!(field instanceof HTMLInputElement) || !field.hasAttribute("data-picker")) return;
  e.detail.parameters = { q: field.value };
});

// Forms with data-change-trigger="<event>" send that htmx event when a field other than a text or number
// box changes (templates/fulfillment/queue.html); text boxes wait for Enter or the button. This replaces an
// hx-trigger filter expression, which htmx can only evaluate with eval (forbidden by the CSP).
// A picker (a text box with a <datalist>) filters once a value is chosen (change), and a search box marked
// data-live as one types, after a pause.
document.addEventListener("change", function (e) {
  const field = e.target;
  const form = field instanceof Element ? field.closest("form[data-change-trigger]") : null;
  const picker = field instanceof HTMLInputElement && field.hasAttribute("list");
  if (!form || (!picker && (field.type === "text" || field.type === "number" || field.type === "search"))) return;
  htmx.trigger(form, form.dataset.changeTrigger);
});
(function () {
  let timer = null;
  document.addEventListener("input", function (e) {
    const field = e.target;
    if (!(field instanceof HTMLInputElement) || !field.hasAttribute("data-live")) return;
    const form = field.closest("form[data-change-trigger]");
    if (!form) return;
    clearTimeout(timer);
    timer = setTimeout(function () { htmx.trigger(form, form.dataset.changeTrigger); }, 400);
  });
  // Enter (a submit) already asked for these results: a pending live search must not swap them again later
  // (it would drop the rows ticked meanwhile).
  document.addEventListener("submit", function () { clearTimeout(timer); }, true);
})();

// "Select all on this page": a checkbox with data-select-all="<name>" ticks every checkbox of that name in its
// form (the queue's bulk form).
document.addEventListener("change", function (e) {
  const box = e.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  const form = box.closest("form");
  if (!form) return;
  form.querySelectorAll('input[type="checkbox"][name="' + CSS.escape(box.dataset.selectAll) + '"]').forEach(function (el) {
    el.checked = box.checked;
  });
});

// Limits stated and kept in the browser, so that nothing typed is lost to a refusal after sending: a textarea
// with maxlength (the browser stops typing there) shows how much room is left, and a file input with
// data-max-bytes (apps.fulfillment.forms.AttachmentForm) refuses a larger file before the upload.
(function () {
  function counter(area) {
    const id = area.id + "_count";
    let out = document.getElementById(id);
    if (!out) {
      out = document.createElement("div");
      out.id = id;
      out.className = "form-text text-end";
      out.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", out);
    }
    const max = area.maxLength, used = area.value.length;
    out.textContent = used.toLocaleString() + " / " + max.toLocaleString() + " characters" +
      (used >= max ? " — the limit is reached" : "");
    out.classList.toggle("text-danger", used >= max);
  }
  document.addEventListener("input", function (e) {
    const area = e.target;
    if (area instanceof HTMLTextAreaElement && area.maxLength > 0 && area.id) counter(area);
  });
  document.addEventListener("change", function (e) {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
    const max = Number(input.dataset.maxBytes);
    const tooBig = Array.from(input.files || []).find(function (f) { return f.size > max; });
    const mb = (max / 1048576).toFixed(1).replace(/\.0$/, "");
    input.setCustomValidity(tooBig ? tooBig.name + " is larger than the " + mb + " MB limit." : "");
    if (tooBig) input.reportValidity();
  });
})();
