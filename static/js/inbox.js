// The inbox (templates/invitations/inbox.html): keyboard triage, "select all on this page",
// times in the reader's own timezone, and focus and announcements after a row is decided.
// The page works without this file: every button is a form post, every link a link.
"use strict";

(() => {
  const ROW = "[data-inbox-row]";
  const ROW_CHECKBOX = "[data-row-select]";
  // Where a letter is typed rather than a shortcut pressed.
  const TYPING =
    "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), " +
    "select, textarea, [contenteditable]:not([contenteditable=false])";
  const SHORTCUTS = new Set(["j", "k", "a", "d", "x"]);

  const rows = () => Array.from(document.querySelectorAll(ROW));
  const status = () => document.getElementById("inbox-status");
  const selectAll = () => document.getElementById("inbox-select-all");

  // --- times -----------------------------------------------------------------------------

  function sameDay(a, b) {
    return a.toDateString() === b.toDateString();
  }

  function localizeTimes(root) {
    const times = Array.from(root.querySelectorAll ? root.querySelectorAll("time[data-local-time]") : []);
    if (root.matches && root.matches("time[data-local-time]")) {
      times.push(root);
    }
    for (const time of times) {
      const when = new Date(time.getAttribute("datetime"));
      if (Number.isNaN(when.getTime())) {
        continue;
      }
      const timeOnly = time.dataset.localTime === "time" && sameDay(when, new Date());
      const options = timeOnly ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
      time.textContent = new Intl.DateTimeFormat(undefined, options).format(when);
      time.title = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" }).format(when);
    }
  }

  // --- selection -------------------------------------------------------------------------

  function syncSelectAll() {
    const all = selectAll();
    if (!all) {
      return;
    }
    const boxes = Array.from(document.querySelectorAll(ROW_CHECKBOX));
    const checked = boxes.filter((box) => box.checked).length;
    all.checked = boxes.length > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
    all.disabled = boxes.length === 0;
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) {
      return;
    }
    if (target.id === "inbox-select-all") {
      for (const box of document.querySelectorAll(ROW_CHECKBOX)) {
        box.checked = target.checked;
      }
    } else if (target.matches(ROW_CHECKBOX)) {
      syncSelectAll();
    }
  });

  // --- keyboard triage -------------------------------------------------------------------

  function focusRow(row) {
    if (row) {
      row.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    if (!SHORTCUTS.has(event.key)) {
      return;
    }
    const target = event.target;
    if (target instanceof Element && target.closest(TYPING)) {
      return;
    }
    const all = rows();
    if (all.length === 0) {
      return;
    }
    const active = document.activeElement;
    const current = active instanceof Element ? active.closest(ROW) : null;
    const index = current ? all.indexOf(current) : -1;
    if (event.key === "j") {
      focusRow(all[Math.min(index + 1, all.length - 1)]);
    } else if (event.key === "k") {
      focusRow(all[Math.max(index - 1, 0)]);
    } else if (!current) {
      return; // a, d and x act on the focused invitation only
    } else if (event.key === "x") {
      const box = current.querySelector(ROW_CHECKBOX);
      if (!box) {
        return;
      }
      box.click(); // fires change, so "select all" follows
    } else {
      const action = event.key === "a" ? "accept" : "decline";
      const button = current.querySelector(`button[data-decide="${action}"]`);
      if (!button || button.disabled) {
        return;
      }
      button.click();
    }
    event.preventDefault();
  });

  // --- after a swap ----------------------------------------------------------------------

  function announce(row) {
    const region = status();
    const outcome = row.querySelector("[data-outcome]");
    if (!region || !outcome) {
      return;
    }
    const name = row.querySelector("[data-inviter-name]");
    const who = name ? `${name.textContent.trim()}: ` : "";
    region.textContent = who + outcome.textContent.trim().replace(/\s+/g, " ");
  }

  // A row swapped in answer to its own buttons: announce the outcome and, as the focused button
  // is gone, move on to the next invitation.
  document.addEventListener("htmx:afterSwap", (event) => {
    const row = event.target;
    if (!(row instanceof Element) || !row.matches(ROW)) {
      return;
    }
    const config = event.detail && event.detail.requestConfig;
    const swapped = config && config.target;
    if (!(swapped instanceof Element) || !swapped.matches(ROW) || swapped.id !== row.id) {
      return; // a bulk answer: its summary is announced out of band
    }
    announce(row);
    syncSelectAll();
    const active = document.activeElement;
    const focusLost = !active || active === document.body || !document.contains(active);
    if (focusLost || row.contains(active)) {
      let next = row.nextElementSibling;
      while (next && !next.matches(ROW)) {
        next = next.nextElementSibling;
      }
      focusRow(next || row);
    }
  });

  document.addEventListener("htmx:oobAfterSwap", syncSelectAll);

  // An answer htmx would not swap (an error page) or no answer at all: say so, not nothing.
  for (const name of ["htmx:responseError", "htmx:sendError"]) {
    document.addEventListener(name, (event) => {
      const region = status();
      const elt = event.detail && event.detail.elt;
      if (region && elt instanceof Element && elt.closest(".inbox, #inbox-bulk")) {
        region.textContent = region.dataset.requestFailed || "";
      }
    });
  }

  // New content (a swapped row) gets local times too.
  document.addEventListener("htmx:load", (event) => {
    if (event.target instanceof Element) {
      localizeTimes(event.target);
    }
  });

  // --- start -----------------------------------------------------------------------------

  for (const element of document.querySelectorAll("[data-js-only]")) {
    element.hidden = false;
  }
  localizeTimes(document);
  syncSelectAll();
})();
