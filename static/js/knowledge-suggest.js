// Articles suggested while a request is being filed: as the user types into the form's free-text fields,
// ask the knowledge base (debounced 300 ms) for up to five articles about this item's service and the text
// typed, and swap them into #knowledge-suggestions. The region names its endpoint and item in data-*
// attributes (templates/fulfillment/request_create.html); the answer is apps.knowledge.views.article_suggest.
(function () {
  var DELAY_MS = 300;
  var MIN_CHARS = 3;
  var MAX_CHARS = 500;

  function typedText(form) {
    var parts = [];
    form.querySelectorAll("textarea, input[type=text], input:not([type])").forEach(function (el) {
      if (!el.disabled && el.value.trim()) parts.push(el.value.trim());
    });
    return parts.join(" ").slice(0, MAX_CHARS);
  }

  function init() {
    var region = document.getElementById("knowledge-suggestions");
    var form = document.querySelector("form[data-knowledge-suggest]");
    if (!region || !form || !window.htmx) return;
    var url = region.dataset.suggestUrl;
    var item = region.dataset.item;
    var timer = null;
    var last = "";
    form.addEventListener("input", function (event) {
      var el = event.target;
      if (!el.matches("textarea, input[type=text], input:not([type])")) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = typedText(form);
        if (text.length < MIN_CHARS || text === last) return;
        last = text;
        var query = "?item=" + encodeURIComponent(item) + "&text=" + encodeURIComponent(text);
        window.htmx.ajax("GET", url + query, { target: "#knowledge-suggestions", swap: "outerHTML" });
      }, DELAY_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
