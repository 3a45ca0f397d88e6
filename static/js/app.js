// Behaviour lives here rather than in inline scripts or hx-on attributes, so the strict
// Content-Security-Policy holds. Pages work without this file; it only enhances them.
"use strict";

// CSS may leave out what only matters without JavaScript (the team switcher's button).
document.documentElement.classList.add("js");

// A team switcher submits as soon as another team is chosen; its button stays for no-JS use.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) {
    form.requestSubmit();
  }
});

// htmx does not swap error pages, and a lost connection has no answer at all: rather than
// nothing happening, say so once, outside the inbox (which reports in its own live region).
for (const name of ["htmx:responseError", "htmx:sendError"]) {
  document.addEventListener(name, (event) => {
    const region = document.getElementById("request-status");
    const elt = event.detail && event.detail.elt;
    if (!region || (elt instanceof Element && elt.closest(".inbox, #inbox-bulk"))) {
      return;
    }
    region.textContent = region.dataset.message || "";
    region.hidden = false;
  });
}

// Timezone fields marked data-browser-timezone (a chat's Recruiter follow-up, a campaign's
// working hours): while one is still the server's default, use the browser's own zone when it
// is listed. Without JavaScript the server's default stays.
function useBrowserTimezone(root) {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return;
  }
  root.querySelectorAll("select[data-browser-timezone]").forEach((select) => {
    if (zone && [...select.options].some((option) => option.value === zone)) {
      select.value = zone;
    }
    select.removeAttribute("data-browser-timezone");
  });
  // A hidden field (the Activity filter's) says which zone "today" is in; UTC without it.
  root.querySelectorAll("input[type=hidden][data-browser-timezone]").forEach((input) => {
    if (zone && !input.value) {
      input.value = zone;
    }
    input.removeAttribute("data-browser-timezone");
  });
}

document.addEventListener("htmx:load", (event) => useBrowserTimezone(event.target));
useBrowserTimezone(document);

// --- Activity: times in the reader's timezone ---------------------------------------------
// <time data-local-time datetime="..."> (Activity, Settings) shows the time in the reader's
// own zone and words; the server's text (UTC) stays without JavaScript.
function showLocalTimes(root) {
  root.querySelectorAll("time[data-local-time]").forEach((time) => {
    const when = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) {
      return;
    }
    // Today's by the time alone; earlier ones with their date.
    const today = when.toDateString() === new Date().toDateString();
    const shown = today ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
    time.textContent = new Intl.DateTimeFormat(undefined, shown).format(when);
    time.title = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" }).format(when);
  });
}

document.addEventListener("htmx:load", (event) => showLocalTimes(event.target));
showLocalTimes(document);
