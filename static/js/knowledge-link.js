// "Insert link" on a request page's knowledge panel (templates/knowledge/link_panel.html): a button with
// data-knowledge-insert="<article address>" puts "<title>: <address>" into the reply box named by its
// data-fill-target, at the cursor, keeping what was typed. A file, not an inline handler: the CSP forbids those.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-knowledge-insert]") : null;
    if (!button) return;
    var box = document.getElementById(button.dataset.fillTarget || "");
    if (!box) return;
    var text = button.dataset.knowledgeTitle + ": " + button.dataset.knowledgeInsert;
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : box.value.length;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    var lead = before && !/\s$/.test(before) ? "\n" : "";
    box.value = before + lead + text + (after && !/^\s/.test(after) ? "\n" : "") + after;
    var caret = (before + lead + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
