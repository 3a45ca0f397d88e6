// The send form's live message counter. Loaded by templates/invitations/send.html; the page
// works without it (the server checks the length, and renders the count on every full page).
"use strict";

// Counts exactly what the server counts (invitations/rules.py message_length):
// - Unicode code points: [...text] iterates code points, so an emoji outside the Basic
//   Multilingual Plane (e.g. 😀) is one, where text.length would count two UTF-16 code units;
// - line breaks normalized first: browsers submit a line break as CRLF, and a lone CR is one too.
// This is also why the textarea has no maxlength attribute: browsers apply it in UTF-16 code
// units and would stop a valid message of 300 emoji at 150.
function messageLength(text) {
  return [...text.replace(/\r\n?/g, "\n")].length;
}

function updateCounter(field) {
  const counter = document.getElementById(field.dataset.counter);
  if (!counter) {
    return;
  }
  const limit = Number(counter.dataset.limit);
  const length = messageLength(field.value);
  counter.textContent = `${length} / ${limit}`;
  counter.classList.toggle("over-limit", length > limit);
}

function updateCounters(root) {
  root.querySelectorAll("textarea[data-counter]").forEach(updateCounter);
}

document.addEventListener("input", (event) => {
  if (event.target.matches("textarea[data-counter]")) {
    updateCounter(event.target);
  }
});
// Content htmx swaps in, and the page itself (this script is deferred: the DOM is parsed).
document.addEventListener("htmx:load", (event) => updateCounters(event.target));
updateCounters(document);
