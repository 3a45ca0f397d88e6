// The "New chat" composer: the upload's progress, and files kept when the form comes back
// (app.js sets the browser's timezone).
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

// A refused form comes back in place of the one sent, and a browser never chooses files again
// by itself: keep what each file input held, by its id, for the input that replaces it. The
// server marks with data-keep-selection the inputs whose files may stay (not those it refused,
// nor any after an upload stopped part-way). The same keeps a voice message chosen when another
// LinkedIn API swaps the file fields. Only the browser's own File objects move: nothing is read.
let chosenFiles = null;

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail && event.detail.target;
  const form = target instanceof Element ? target.closest("form[data-chat-form]") : null;
  if (!form) {
    chosenFiles = null;
    return;
  }
  chosenFiles = new Map();
  form.querySelectorAll("input[type=file]").forEach((input) => {
    if (input.id && input.files && input.files.length) {
      chosenFiles.set(input.id, input.files);
    }
  });
});

document.addEventListener("htmx:afterSwap", () => {
  if (!chosenFiles) {
    return;
  }
  for (const [id, files] of chosenFiles) {
    const input = document.getElementById(id);
    if (input instanceof HTMLInputElement && input.type === "file" && input.hasAttribute("data-keep-selection")) {
      input.files = files;
    }
  }
  chosenFiles = null;
});
