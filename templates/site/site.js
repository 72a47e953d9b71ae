// Offline search for the static site: filters the list already on the page, forgiving case,
// accents and one typo in a word of four letters or more. No request leaves the page.
"use strict";
(function () {
  const input = document.getElementById("q");
  const items = Array.from(document.querySelectorAll("#results li"));
  const count = document.getElementById("count");
  if (!input) return;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^\p{L}\p{N}+]+/gu, " ").trim();
  }

  function close(a, b) { // edit distance at most one
    if (Math.abs(a.length - b.length) > 1) return false;
    let i = 0, j = 0, edits = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { i++; j++; continue; }
      if (++edits > 1) return false;
      if (a.length > b.length) i++; else if (b.length > a.length) j++; else { i++; j++; }
    }
    return edits + (a.length - i) + (b.length - j) <= 1;
  }

  function matches(names, token) {
    if (names.includes(token)) return true;
    if (token.length < 4) return false;
    return names.split(" ").some((w) => close(w.slice(0, token.length), token) || close(w, token));
  }

  input.form.addEventListener("submit", function (event) { event.preventDefault(); });
  input.addEventListener("input", function () {
    const tokens = fold(input.value).split(" ").filter(Boolean);
    let shown = 0;
    for (const li of items) {
      const ok = tokens.every((t) => matches(li.dataset.names, t));
      li.hidden = !ok;
      if (ok) shown++;
    }
    // The words come with the page, in its language: "{name}" placeholders filled in here.
    const words = tokens.length ? count.dataset.match : count.dataset.all;
    const values = { query: "\u2068" + input.value.trim() + "\u2069", count: tokens.length ? shown : items.length, total: items.length };
    count.textContent = words.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  });
})();
