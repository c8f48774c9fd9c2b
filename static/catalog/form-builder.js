// The catalog builder's request-form editor (templates/catalog/manage/item_builder.html). The server does the
// real work (apps/catalog/builder.py: add, remove, move, check); this file only makes it quicker to use:
// - a field type shows only the inputs that type uses;
// - an empty name is filled from the label, and "Show only if" lists the earlier fields' current names;
// - choosing the field a condition depends on asks the server for that field's values ("builder-refresh");
// - dragging a field by its handle moves it: the new order goes in each card's position input and the
//   editor is sent again, so the server renders it in that order.
(function () {
  function editor() { return document.getElementById("form-builder"); }
  function cards() { return Array.from(document.querySelectorAll("[data-builder-card]")); }
  function input(card, name) { return card.querySelector('[data-input="' + name + '"]'); }
  function refresh() { const form = editor(); if (form) htmx.trigger(form, "builder-refresh"); }

  function showTypeInputs(card) {
    const type = input(card, "type");
    if (!type) return;
    card.querySelectorAll("[data-types]").forEach(function (group) {
      group.hidden = group.dataset.types.split(" ").indexOf(type.value) === -1;
    });
  }

  function deriveName(label) {
    let name = label.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 50).replace(/_+$/, "");
    if (name && !/^[a-z]/.test(name)) name = ("f_" + name).slice(0, 50);
    return name;
  }

  // "Show only if" offers the earlier fields that are not conditional themselves (the server checks it too).
  function refreshConditionChoices() {
    const all = cards();
    all.forEach(function (card, position) {
      const select = input(card, "show_if_field");
      if (!select) return;
      const current = select.value;
      const options = [["", "Always shown"]];
      all.slice(0, position).forEach(function (earlier) {
        const name = input(earlier, "name").value.trim();
        const conditional = input(earlier, "show_if_field").value !== "";
        if (name && !conditional) options.push([name, input(earlier, "label").value.trim() || name]);
      });
      if (current && !options.some(function (o) { return o[0] === current; })) {
        options.push([current, current + " (not an earlier unconditional field)"]);
      }
      select.replaceChildren.apply(select, options.map(function (o) {
        const option = new Option(o[1], o[0]);
        option.selected = o[0] === current;
        return option;
      }));
    });
  }

  document.addEventListener("change", function (e) {
    const target = e.target;
    const card = target instanceof Element ? target.closest("[data-builder-card]") : null;
    if (!card) return;
    const name = target.dataset.input;
    if (name === "type") showTypeInputs(card);
    if (name === "label" && !input(card, "name").value.trim()) input(card, "name").value = deriveName(target.value);
    if (name === "label" || name === "name") refreshConditionChoices();
    if (name === "show_if_field") refresh();
  });

  // --- Drag and drop ------------------------------------------------------------------------------------
  let dragged = null;
  document.addEventListener("dragstart", function (e) {
    const handle = e.target instanceof Element ? e.target.closest("[data-builder-handle]") : null;
    if (!handle) return;
    dragged = handle.closest("[data-builder-card]");
    dragged.classList.add("builder-dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.id);
    e.dataTransfer.setDragImage(dragged, 20, 20);
  });
  document.addEventListener("dragover", function (e) {
    if (!dragged) return;
    const over = e.target instanceof Element ? e.target.closest("[data-builder-card]") : null;
    if (!over || over === dragged) return;
    e.preventDefault();
    const box = over.getBoundingClientRect();
    const after = e.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });
  document.addEventListener("drop", function (e) { if (dragged) e.preventDefault(); });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("builder-dragging");
    dragged = null;
    cards().forEach(function (card, position) {
      const field = card.querySelector("[data-builder-position]");
      if (field) field.value = String(position);
    });
    refresh();
  });
})();
