// "Insert and link" on a request page's knowledge panel (templates/knowledge/link_panel.html): the button posts
// to apps.knowledge.views.link_answer (htmx), which links the article and answers with an HX-Trigger event
// "knowledgeInsert" whose detail names the reply box (field, an element id) and the text (title, summary,
// address). Here that text goes into the box at the cursor, keeping what was typed. A file, not an inline
// handler: the CSP forbids those.
(function () {
  function insert(box, text) {
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
  }

  document.addEventListener("knowledgeInsert", function (event) {
    var detail = event.detail || {};
    var box = document.getElementById(detail.field || "");
    if (box && typeof detail.text === "string") insert(box, detail.text);
  });
})();
