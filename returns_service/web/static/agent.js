/* The agent console's small script (served from /static; the pages' CSP allows no inline
   script). Everything works without it; with it:
   - live updates: one EventSource on /agent/events. On the queue, a changed case re-fetches
     the current queue as an HTML fragment (?fragment=1), highlights the changed rows and
     says so to screen readers (aria-live). On a case page (body[data-case]) a change of that
     case re-fetches its conversation (GET /agent/cases/{number}/conversation).
   - keys on the queue: "/" focuses the search, j and k move through the rows, Enter opens. */
(function () {
  "use strict";
  var body = document.body;
  var status = document.getElementById("live-status");
  var queue = document.getElementById("queue");
  var currentNumber = null;

  function announce(numbers) {
    if (!status || !numbers.length) return;
    status.textContent = (status.dataset.changed || "{cases}").replace("{cases}", numbers.join(", "));
  }

  function rows() {
    return queue ? Array.prototype.slice.call(queue.querySelectorAll("tbody tr[data-case]")) : [];
  }

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("current"); });
    if (!row) return;
    row.classList.add("current");
    currentNumber = row.dataset.case;
    var link = row.querySelector("a");
    if (link) link.focus();
  }

  // --- the queue: re-fetch the fragment, at most one request in flight
  var pending = [];
  var fetching = false;
  function refreshQueue() {
    if (!queue || fetching) return;
    fetching = true;
    var changed = pending;
    pending = [];
    fetch(queue.dataset.queue, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var hadFocus = queue.contains(document.activeElement);
        queue.innerHTML = html;
        var shown = [];
        rows().forEach(function (row) {
          if (changed.indexOf(row.dataset.case) !== -1) {
            row.classList.add("changed");
            shown.push(row.dataset.case);
          }
          if (row.dataset.case === currentNumber) {
            row.classList.add("current");
            if (hadFocus) { var link = row.querySelector("a"); if (link) link.focus(); }
          }
        });
        announce(shown);  // only what the reader can see in this tab
        body.dataset.liveUpdated = String(Date.now());
      })
      .catch(function () { /* the next change, or a reload, tries again */ })
      .then(function () {
        fetching = false;
        if (pending.length) refreshQueue();
      });
  }

  // --- a case page: its conversation (the case page's own template serves the fragment)
  function refreshConversation() {
    var section = document.getElementById("conversation");
    var number = body.dataset.case;
    if (!section || !number) return;
    fetch("/agent/cases/" + encodeURIComponent(number) + "/conversation", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        section.outerHTML = html;
        announce([number]);
        body.dataset.liveUpdated = String(Date.now());
      })
      .catch(function () {});
  }

  function onChange(number) {
    if (queue) {
      if (number && pending.indexOf(number) === -1) pending.push(number);
      refreshQueue();
    }
    if (body.dataset.case && (!number || number === body.dataset.case)) refreshConversation();
  }

  if (body.dataset.events && window.EventSource) {
    var source = new EventSource(body.dataset.events);
    // "ready": the server listens now (headers alone come before it does)
    source.addEventListener("ready", function () { body.dataset.live = "on"; });
    source.addEventListener("case", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { return; }
      onChange(data.number);
    });
    source.addEventListener("reload", function () { onChange(null); });
    source.addEventListener("error", function () { body.dataset.live = "off"; });
  }

  // --- keys
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    var search = document.getElementById("q");
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (!queue || (event.key !== "j" && event.key !== "k")) return;
    var all = rows();
    if (!all.length) return;
    var at = all.findIndex(function (r) { return r.classList.contains("current"); });
    var next = event.key === "j" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
    event.preventDefault();
    select(all[next]);
  });
})();
