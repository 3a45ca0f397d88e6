// Behaviour lives here rather than in inline scripts or hx-on attributes, so the strict
// Content-Security-Policy holds. Pages work without this file; it only enhances them.
"use strict";

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
