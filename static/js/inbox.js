// The inbox (templates/invitations/inbox.html): keyboard triage with a queue of decisions,
// the filter, "select all shown", the bulk decline confirmation, the shortcut help, and times
// in the reader's own timezone.
//
// The page works without this file: every button is a form post, every link a link. With it,
// a decision (a key or a click) shows in its row at once ("Accepting…"), focus moves on to the
// next undecided row at once, and the request goes into a queue: at most MAX_IN_FLIGHT are on
// their way, the others wait in the order they were pressed. Each answer is swapped into the
// decision cell of the row it was meant for, found by its id, never into whatever has focus.
"use strict";

(() => {
  const ROW = "[data-inbox-row]";
  const ROW_CHECKBOX = "[data-row-select]";
  // Where a letter is typed rather than a shortcut pressed.
  const TYPING =
    "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), " +
    "select, textarea, [contenteditable]:not([contenteditable=false])";
  const SHORTCUTS = new Set(["j", "k", "a", "d", "x", "o", "n", "p", "?", "/"]);
  const MAX_IN_FLIGHT = 4;

  const rows = () => Array.from(document.querySelectorAll(ROW));
  const shownRows = () => rows().filter((row) => !row.hidden);
  const status = () => document.getElementById("inbox-status");
  const selectAll = () => document.getElementById("inbox-select-all");
  const decisionCell = (row) => document.getElementById(`${row.id}-decision`);

  // --- times -----------------------------------------------------------------------------

  function sameDay(a, b) {
    return a.toDateString() === b.toDateString();
  }

  function localizeTimes(root) {
    const all = (selector) => {
      const found = Array.from(root.querySelectorAll ? root.querySelectorAll(selector) : []);
      if (root.matches && root.matches(selector)) {
        found.push(root);
      }
      return found;
    };
    const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
    for (const time of all("time[data-local-time]")) {
      const when = new Date(time.getAttribute("datetime"));
      if (Number.isNaN(when.getTime())) {
        continue;
      }
      const timeOnly = time.dataset.localTime === "time" && sameDay(when, new Date());
      const options = timeOnly ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
      time.textContent = new Intl.DateTimeFormat(undefined, options).format(when);
      time.title = full.format(when);
    }
    // A row's age ("3 d") keeps its text; its title says the moment in the reader's timezone.
    for (const time of all("time[data-local-title]")) {
      const when = new Date(time.getAttribute("datetime"));
      if (!Number.isNaN(when.getTime())) {
        time.title = `Sent ${full.format(when)}`;
      }
    }
  }

  // --- selection -------------------------------------------------------------------------

  function syncSelectAll() {
    const all = selectAll();
    if (!all) {
      return;
    }
    const boxes = shownRows()
      .map((row) => row.querySelector(ROW_CHECKBOX))
      .filter((box) => box && !box.disabled);
    const checked = boxes.filter((box) => box.checked).length;
    all.checked = boxes.length > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
    all.disabled = boxes.length === 0;
    refreshConfirmation();
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) {
      return;
    }
    if (target.id === "inbox-select-all") {
      for (const row of shownRows()) {
        const box = row.querySelector(ROW_CHECKBOX);
        if (box && !box.disabled) {
          box.checked = target.checked;
        }
      }
      syncSelectAll();
    } else if (target.matches(ROW_CHECKBOX)) {
      syncSelectAll();
    } else if (target.matches("[data-filter-note-only]")) {
      applyFilter();
    }
  });

  // --- the queue of decisions ------------------------------------------------------------

  const waiting = []; // decisions not sent yet, in the order they were pressed
  let inFlight = 0;
  let whenIdle = null; // a page change waiting for the decisions under way

  function busy() {
    return inFlight > 0 || waiting.length > 0;
  }

  function undecided(row) {
    const cell = decisionCell(row);
    return Boolean(cell) && !cell.hasAttribute("data-pending") && Boolean(cell.querySelector("button[data-decide]"));
  }

  function nextUndecided(row) {
    const shown = shownRows();
    const after = shown.slice(shown.indexOf(row) + 1);
    return after.find(undecided) || null;
  }

  // Shows the decision in its row at once and queues its request. The row is remembered by its
  // element; its cell is looked up by id when the request starts and when the answer comes.
  function decide(row, button) {
    const cell = decisionCell(row);
    if (!cell || cell.hasAttribute("data-pending") || !button.form) {
      return false;
    }
    const action = button.dataset.decide;
    const url = button.getAttribute("formaction") || button.form.getAttribute("action");
    const region = status();
    const words = (region && region.dataset[action === "accept" ? "pendingAccept" : "pendingDecline"]) || "…";
    const saved = Array.from(cell.childNodes);
    cell.setAttribute("data-pending", action);
    cell.setAttribute("aria-busy", "true");
    const shown = document.createElement("p");
    shown.className = "inbox-outcome inbox-pending";
    shown.textContent = words;
    cell.replaceChildren(shown);
    const box = row.querySelector(ROW_CHECKBOX);
    if (box) {
      box.checked = false;
      box.disabled = true;
      syncSelectAll();
    }
    waiting.push({ row, cellId: cell.id, url, saved });
    pump();
    return true;
  }

  function pump() {
    while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
      send(waiting.shift());
    }
    if (!busy() && whenIdle) {
      const then = whenIdle;
      whenIdle = null;
      then();
    }
  }

  function send(decision) {
    const cell = document.getElementById(decision.cellId);
    if (!cell || !cell.hasAttribute("data-pending")) {
      pump(); // gone, or answered meanwhile (a bulk answer swapped it): nothing to send
      return;
    }
    inFlight += 1;
    const finished = () => {
      inFlight -= 1;
      settle(decision);
      pump();
    };
    window.htmx
      .ajax("POST", decision.url, { source: cell, target: cell, swap: "outerHTML" })
      .then(finished, finished);
  }

  // After the answer (or none): the swapped cell says the outcome; a cell still pending got
  // no usable answer, and gets its buttons back with a word of why.
  function settle(decision) {
    const cell = document.getElementById(decision.cellId);
    const row = decision.row;
    if (!cell) {
      return;
    }
    if (cell.hasAttribute("data-pending")) {
      const region = status();
      const failed = document.createElement("p");
      failed.className = "inbox-outcome error";
      failed.setAttribute("data-outcome", "");
      failed.textContent = (region && region.dataset.requestFailed) || "";
      cell.replaceChildren(failed, ...decision.saved);
      cell.removeAttribute("data-pending");
      cell.removeAttribute("aria-busy");
      const box = row.querySelector(ROW_CHECKBOX);
      if (box) {
        box.disabled = false;
      }
    }
    announce(row);
    syncSelectAll();
  }

  // Answers that are not a decision cell (a sign-in page after the session ended, an error
  // page) are not swapped into the row: settle() restores its buttons instead.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    const target = detail && detail.target;
    if (target instanceof Element && target.matches(".inbox-decision[data-pending]")) {
      const text = (detail.xhr && detail.xhr.responseText) || "";
      if (!text.includes('class="inbox-decision"')) {
        detail.shouldSwap = false;
      }
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (waiting.length > 0) {
      event.preventDefault(); // decisions not sent yet would be lost
    }
  });

  function goWhenIdle(href) {
    if (!busy()) {
      window.location.assign(href);
      return;
    }
    const region = status();
    if (region) {
      region.textContent = region.dataset.finishing || "";
    }
    whenIdle = () => window.location.assign(href);
  }

  // --- keyboard and clicks ---------------------------------------------------------------

  function focusRow(row) {
    if (row) {
      row.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function decideAndMoveOn(row, button) {
    if (decide(row, button)) {
      focusRow(nextUndecided(row) || row);
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    const button = target.closest("button[data-decide]");
    const row = button && button.closest(ROW);
    if (button && row && window.htmx) {  // without htmx the form posts, as without JavaScript
      event.preventDefault(); // queued instead of posting the form
      decideAndMoveOn(row, button);
      return;
    }
    const pageLink = target.closest(".inbox-pages a[href]");
    if (pageLink && busy()) {
      event.preventDefault();
      goWhenIdle(pageLink.href);
      return;
    }
    if (target.closest("[data-help-open]")) {
      openHelp();
      return;
    }
    if (target.closest("[data-bulk-decline]") && askToDecline()) {
      event.preventDefault();
      return;
    }
    if (target.closest("[data-confirm-no]")) {
      closeConfirmation(true);
    }
  });

  function openHelp() {
    const help = document.getElementById("inbox-help");
    if (help && !help.open) {
      help.showModal();
    }
  }

  function pageLink(rel) {
    return document.querySelector(`.inbox-pages a[rel="${rel}"]`);
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    const target = event.target;
    if (event.key === "Escape" && target instanceof Element && target.closest("#inbox-confirm")) {
      closeConfirmation(true);
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && target instanceof Element && target.matches("[data-filter]")) {
      focusRow(shownRows()[0]);
      event.preventDefault();
      return;
    }
    if (!SHORTCUTS.has(event.key) || document.querySelector("dialog[open]")) {
      return;
    }
    // A held key repeats: moving may, deciding (and selecting) may not, one person a press.
    if (event.repeat && event.key !== "j" && event.key !== "k") {
      event.preventDefault();
      return;
    }
    if (target instanceof Element && target.closest(TYPING)) {
      return;
    }
    const active = document.activeElement;
    const current = active instanceof Element ? active.closest(ROW) : null;
    if (!handleKey(event.key, current)) {
      return;
    }
    event.preventDefault();
  });

  // True when the key did something here.
  function handleKey(key, current) {
    if (key === "?") {
      openHelp();
      return Boolean(document.getElementById("inbox-help"));
    }
    if (key === "/") {
      const filter = document.querySelector("[data-filter]");
      if (filter) {
        filter.focus();
      }
      return Boolean(filter);
    }
    if (key === "n" || key === "p") {
      const link = pageLink(key === "n" ? "next" : "prev");
      if (link) {
        goWhenIdle(link.href);
      }
      return Boolean(link);
    }
    const shown = shownRows();
    if (shown.length === 0) {
      return false;
    }
    const index = current ? shown.indexOf(current) : -1;
    if (key === "j") {
      focusRow(shown[Math.min(index + 1, shown.length - 1)]);
      return true;
    }
    if (key === "k") {
      focusRow(shown[Math.max(index - 1, 0)]);
      return true;
    }
    if (!current) {
      return false; // a, d, x and o act on the focused invitation only
    }
    if (key === "o") {
      const profile = current.querySelector("a[data-profile]");
      if (profile) {
        profile.click(); // a new tab (target=_blank, rel=noopener)
      }
      return Boolean(profile);
    }
    if (key === "x") {
      const box = current.querySelector(ROW_CHECKBOX);
      if (box && !box.disabled) {
        box.click(); // fires change, so "select all" follows
      }
      return Boolean(box);
    }
    const action = key === "a" ? "accept" : "decline";
    const button = current.querySelector(`button[data-decide="${action}"]`);
    if (button && !button.disabled) {
      if (window.htmx) {
        decideAndMoveOn(current, button);
      } else {
        button.click(); // htmx did not load: the form posts
      }
    }
    return true;
  }

  // --- announcing an outcome -------------------------------------------------------------

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

  // --- the filter ------------------------------------------------------------------------

  function normalized(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function applyFilter() {
    const box = document.querySelector("[data-filter]");
    const noteOnly = document.querySelector("[data-filter-note-only]");
    if (!box) {
      return;
    }
    const terms = normalized(box.value).split(/\s+/).filter(Boolean);
    const all = rows();
    let shown = 0;
    for (const row of all) {
      const text = normalized(
        ["[data-inviter-name]", "[data-headline]", "[data-note]"]
          .map((selector) => {
            const part = row.querySelector(selector);
            return part ? part.textContent : "";
          })
          .join(" "),
      );
      const matches =
        terms.every((term) => text.includes(term)) &&
        (!noteOnly || !noteOnly.checked || Boolean(row.querySelector("[data-note]")));
      row.hidden = !matches;
      if (!matches) {
        const check = row.querySelector(ROW_CHECKBOX);
        if (check) {
          check.checked = false; // a bulk decision acts only on rows the person can see
        }
      }
      shown += matches ? 1 : 0;
    }
    const count = document.getElementById("inbox-filter-count");
    if (count) {
      count.textContent = (count.dataset.words || "").replace("{shown}", shown).replace("{total}", all.length);
    }
    const empty = document.getElementById("inbox-filter-empty");
    if (empty) {
      empty.hidden = shown > 0;
    }
    syncSelectAll();
  }

  document.addEventListener("input", (event) => {
    if (event.target instanceof Element && event.target.matches("[data-filter]")) {
      applyFilter();
    }
  });

  // --- bulk decline asks first -----------------------------------------------------------

  function checkedCount() {
    return Array.from(document.querySelectorAll(ROW_CHECKBOX)).filter((box) => box.checked && !box.disabled).length;
  }

  function refreshConfirmation() {
    const panel = document.getElementById("inbox-confirm");
    if (!panel || panel.hidden) {
      return;
    }
    const count = checkedCount();
    if (count === 0) {
      closeConfirmation(false);
      return;
    }
    const question = panel.querySelector("[data-confirm-question]");
    const yes = panel.querySelector("[data-confirm-yes]");
    question.textContent = (count === 1 ? question.dataset.one : question.dataset.many).replace("{count}", count);
    yes.textContent = yes.dataset.label.replace("{count}", count);
  }

  // True when it asked (something is selected); with nothing selected the post goes through
  // and the server says what to do.
  function askToDecline() {
    const panel = document.getElementById("inbox-confirm");
    if (!panel || checkedCount() === 0) {
      return false;
    }
    panel.hidden = false;
    refreshConfirmation();
    panel.querySelector("[data-confirm-yes]").focus();
    return true;
  }

  function closeConfirmation(refocus) {
    const panel = document.getElementById("inbox-confirm");
    if (!panel || panel.hidden) {
      return;
    }
    panel.hidden = true;
    const decline = document.querySelector("[data-bulk-decline]");
    if (refocus && decline) {
      decline.focus();
    }
  }

  document.addEventListener("htmx:afterRequest", (event) => {
    const elt = event.detail && event.detail.elt;
    if (elt instanceof Element && elt.id === "inbox-bulk") {
      closeConfirmation(false);
    }
  });

  document.addEventListener("htmx:oobAfterSwap", syncSelectAll);

  // New content (a swapped cell) gets local times too.
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
  applyFilter();
  syncSelectAll();
})();
