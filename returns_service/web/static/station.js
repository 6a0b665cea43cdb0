// Number keys grade an item at the station: in each item, 1-6 choose the condition, then 1-4
// where it goes; focus then moves on (the next item, or the button that shows what recording
// will do). Only a convenience over plain radios: Tab, arrows and the mouse work unchanged,
// and nothing is chosen until a key or a click chooses it (the station has no defaults).
(function () {
  "use strict";
  var form = document.getElementById("grade-form");
  if (!form) { return; }
  var items = Array.prototype.slice.call(form.querySelectorAll("fieldset.item"));
  var button = document.getElementById("grade");

  function chosen(group) { return group.querySelector("input:checked") !== null; }

  function currentGroup() {
    var active = document.activeElement;
    var group = active && active.closest ? active.closest("fieldset.group") : null;
    if (group) { return group; }
    var item = active && active.closest ? active.closest("fieldset.item") : null;
    var pool = item ? [item] : items;
    for (var i = 0; i < pool.length; i++) {
      var groups = pool[i].querySelectorAll("fieldset.group");
      for (var j = 0; j < groups.length; j++) { if (!chosen(groups[j])) { return groups[j]; } }
    }
    return null;
  }

  function nextGroup(group) {
    var all = Array.prototype.slice.call(form.querySelectorAll("fieldset.group"));
    for (var i = all.indexOf(group) + 1; i < all.length; i++) {
      if (!chosen(all[i])) { return all[i]; }
    }
    return null;
  }

  function focusGroup(group) {
    if (group) {
      group.querySelector("input").focus();
    } else {
      button.focus();
    }
  }

  form.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !/^[1-9]$/.test(event.key)) { return; }
    var group = currentGroup();
    if (!group) { return; }
    var radio = group.querySelector('input[data-key="' + event.key + '"]');
    if (!radio) { return; }  // e.g. 5 for a destination: nothing happens, nothing is trapped
    event.preventDefault();
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    focusGroup(nextGroup(group));
  });

  // the first question has focus, so the first key press answers it
  var first = currentGroup();
  if (first && !document.querySelector("[aria-invalid=true]")) { focusGroup(first); }
  var invalid = form.querySelector("fieldset.group[aria-invalid=true]");
  if (invalid) { focusGroup(invalid); }
})();
