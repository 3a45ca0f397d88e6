// Behaviour lives here rather than in inline scripts or hx-on attributes, so the strict
// Content-Security-Policy holds. Pages work without this file; it only enhances them.
"use strict";
