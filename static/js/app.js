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
