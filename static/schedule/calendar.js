// The change calendar (templates/schedule/calendar.html): FullCalendar 7 from npm, no inline script (CSP).
// Events come from one JSON endpoint bounded by the visible range and filtered by the change list's filters,
// which live in the URL. Times are drawn in the viewer's profile zone (FullCalendar's named-zone support).
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function say(status, text, kind) {
    status.textContent = text;
    status.className = "alert alert-" + kind;
  }

  function filterQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== "") { params.append(key, value); } });
    return params;
  }

  // The events endpoint sends the changes as one array per field (the i-th change is the i-th item of each) and
  // what changes share once (names of environments and services, status labels, tier colours, URLs, how a number
  // is written): a month may hold ten thousand.
  function toEvents(data) {
    var col = data.changes, urls = data.urls;
    var prefix = data.number.prefix, digits = data.number.digits;
    function url(template, number) { return template.replace(urls.placeholder, number); }
    var changes = col.id.map(function (pk, i) {
      var number = prefix + String(pk).padStart(digits, "0");  // as apps.core.numbers.format_number writes it
      var tier = col.tier[i], status = col.status[i], conflict = col.conflict[i];
      var classes = ["chg-tier-" + (tier || "none"), "chg-status-" + status];
      if (conflict) { classes.push("chg-conflict"); }
      return {
        id: number,
        title: (conflict ? "\u26a0 " : "") + number + " " + col.title[i],
        start: col.start[i],
        end: col.end[i],
        classNames: classes,
        color: data.colours[tier] || "#6c757d",
        editable: col.editable[i],
        extendedProps: {
          number: number,
          tier: tier,
          status: status,
          statusLabel: data.statuses[status] || status,
          conflict: conflict,
          version: col.version[i],
          services: col.services[i].map(function (id) { return data.services[id]; }).join(", "),
          environment: data.environments[col.environment[i]] || "",
          panel: url(urls.panel, number),
          move: url(urls.move, number),
          page: url(urls.page, number),
        },
      };
    });
    return changes.concat(data.windows);
  }

  function init() {
    var el = document.getElementById("calendar");
    if (!el || !window.FullCalendar) { return; }
    var form = document.getElementById("calendar-filters");
    var status = document.getElementById("calendar-status");
    var panel = document.getElementById("calendar-panel");

    function openPanel(url) {
      if (window.htmx) {
        window.htmx.ajax("GET", url, { target: panel, swap: "innerHTML" });
      } else {
        window.location.href = url;
      }
    }

    function load(info, success, failure) {
      var params = filterQuery(form);
      params.set("start", info.start.toISOString());
      params.set("end", info.end.toISOString());
      // Month views draw only all-day background events: windows come as whole-day bands there.
      params.set("bands", !calendar || calendar.view.type.indexOf("dayGrid") === 0 ? "days" : "times");
      fetch(el.dataset.eventsUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("The calendar could not load its events (" + response.status + ")."); }
          return response.json();
        })
        .then(function (data) { success(toEvents(data)); })
        .catch(function (error) { say(status, error.message, "danger"); failure(error); });
    }

    function move(info) {
      var event = info.event;
      var body = { start: event.start.toISOString(), end: (event.end || event.start).toISOString(), version: event.extendedProps.version };
      fetch(event.extendedProps.move, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body),
      })
        .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
        .then(function (result) {
          if (!result.ok) {
            info.revert();
            say(status, "Not moved: " + (result.data.message || "refused."), "danger");
            return;
          }
          var text = result.data.message + (result.data.warnings.length ? " " + result.data.warnings.join(" ") : "");
          say(status, text, result.data.warnings.length ? "warning" : "success");
          calendar.refetchEvents();
          openPanel(event.extendedProps.panel);
        })
        .catch(function () { info.revert(); say(status, "Not moved: the server could not be reached.", "danger"); });
    }

    var calendar = new window.FullCalendar.Calendar(el, {
      initialView: "dayGridMonth",
      initialDate: new URLSearchParams(window.location.search).get("date") || undefined,
      timeZone: el.dataset.timeZone || "local",
      headerToolbar: { start: "prev,next today", center: "title", end: "dayGridMonth,timeGridWeek,timeGridDay,listMonth" },
      dayMaxEvents: 4,
      eventDisplay: "block",
      nowIndicator: true,
      editable: true,
      eventSources: [{ events: load }],
      eventClick: function (info) {
        if (info.event.display === "background") { return; }
        info.jsEvent.preventDefault();
        openPanel(info.event.extendedProps.panel);
      },
      backgroundEventDidMount: function (info) {
        info.el.title = info.event.title + " — " + info.event.extendedProps.local;  // the window's own zone
        info.el.classList.add("win-" + info.event.extendedProps.kind);
      },
      eventDidMount: function (info) {
        var props = info.event.extendedProps;
        if (props.kind) {
          info.el.title = info.event.title + " — " + props.local;  // the window's own zone, on hover
        } else {
          info.el.title = info.event.title + " (" + props.statusLabel + ", " + props.environment + ")";
          info.el.setAttribute("data-change", props.number);
        }
      },
      eventDrop: move,
      eventResize: move,
    });
    calendar.render();
    el.calendar = calendar;  // for tests and the console

    form.addEventListener("change", function () {
      var params = filterQuery(form);
      window.history.replaceState(null, "", window.location.pathname + (params.toString() ? "?" + params.toString() : ""));
      calendar.refetchEvents();
    });
    document.body.addEventListener("calendar-changed", function () { calendar.refetchEvents(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
