// The console's case page, made quicker (every form works without this file): choosing a
// macro fills the reply box with its text for this case, and keyboard shortcuts move
// between the forms. Loaded from 'self' only (the page's CSP has no inline scripts).
(function () {
  "use strict";

  var macro = document.getElementById("macro");
  var reply = document.getElementById("reply-body");
  var replyStatus = document.getElementById("reply-status");

  // ---- the macro preview: the server fills the placeholders for this case
  if (macro && reply) {
    var previewButton = document.getElementById("macro-preview");
    if (previewButton) previewButton.hidden = true; // choosing is enough with a script
    macro.addEventListener("change", function () {
      if (!macro.value) return;
      var form = macro.form;
      var data = new URLSearchParams();
      data.set("macro_id", macro.value);
      var csrf = form.querySelector("input[name=_csrf_token]");
      if (csrf) data.set("_csrf_token", csrf.value);
      fetch(macro.getAttribute("data-preview"), {
        method: "POST",
        headers: { "Accept": "application/json", "x-csrftoken": csrf ? csrf.value : "" },
        body: data,
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (filled) {
        reply.value = filled.body;
        if (replyStatus) replyStatus.textContent = reply.getAttribute("data-filled") || "";
        reply.focus();
      }).catch(function () {
        if (previewButton) previewButton.hidden = false; // fall back to the plain form
      });
    });
  }

  // ---- the shortcuts' help dialog: a modal <dialog> (focus stays inside, Escape closes)
  var dialog = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-open");
  var closer = document.getElementById("shortcuts-close");
  var returnTo = null;

  function openHelp() {
    if (!dialog || dialog.open) return;
    returnTo = document.activeElement;
    dialog.showModal();
    if (closer) closer.focus();
  }

  if (dialog) {
    if (opener) {
      opener.hidden = false;
      opener.addEventListener("click", openHelp);
    }
    if (closer) closer.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (returnTo && returnTo.focus) returnTo.focus();
    });
    // keep Tab inside the dialog, whatever the browser does with the page behind it
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var focusable = dialog.querySelectorAll("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])");
      if (!focusable.length) return;
      var first = focusable[0];
      var last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  // ---- keyboard shortcuts, never while typing in a field
  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || (dialog && dialog.open)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "q") {
        event.preventDefault();
        window.location.assign("/agent/queue");
      }
      return;
    }
    var handled = true;
    if (key === "r") handled = focusField("reply-body");
    else if (key === "n") handled = focusField("note-body");
    else if (key === "a") {
      // opens the approval's confirmation page: nothing is done before its own button
      var approve = document.getElementById("action-approve");
      handled = !!approve;
      if (approve) approve.requestSubmit();
    } else if (key === "x") handled = focusField("reject-reason");
    else if (key === "f") handled = focusField("refund-amount");
    else if (key === "g") pendingG = true;
    else if (key === "?") openHelp();
    else handled = false;
    if (handled) event.preventDefault();
  });
})();
