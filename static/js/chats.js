// The "New chat" composer: the upload's progress (app.js sets the browser's timezone).
// Loaded by templates/chats/new.html; the page works without it (the form posts as a plain
// multipart form).
"use strict";

function progressParts(elt) {
  const form = elt instanceof Element ? elt.closest("form[data-chat-form]") : null;
  if (!form || elt !== form) {
    return null; // only the form's own submission, not the preview or the field swaps
  }
  const box = form.querySelector("[data-upload-progress]");
  return box && {
    box,
    bar: box.querySelector("progress"),
    text: box.querySelector("[aria-live]"),
  };
}

function showProgress(parts, percent) {
  parts.bar.value = percent;
  parts.text.textContent = percent >= 100 ? "100% uploaded: starting the chat…" : `${percent}% uploaded`;
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const parts = progressParts(event.target);
  if (parts) {
    parts.box.hidden = false;
    showProgress(parts, 0);
  }
});

// htmx reports the request's progress (upload, then the answer's download): the bar only moves
// forward, so the short download that follows a finished upload does not send it back to 0.
document.addEventListener("htmx:xhr:progress", (event) => {
  const parts = progressParts(event.target);
  const detail = event.detail || {};
  if (!parts || !detail.lengthComputable || !detail.total) {
    return;
  }
  const percent = Math.min(100, Math.round((detail.loaded / detail.total) * 100));
  if (percent > parts.bar.value) {
    showProgress(parts, percent);
  }
});

// A request that failed outright leaves the form in place: hide the stale progress.
for (const name of ["htmx:responseError", "htmx:sendError"]) {
  document.addEventListener(name, (event) => {
    const parts = progressParts(event.target);
    if (parts) {
      parts.box.hidden = true;
    }
  });
}

// Content htmx swaps in, and the page itself (this script is deferred: the DOM is parsed).
