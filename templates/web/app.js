// Search as you type: the same server-side search as ?q= (accents, case, typos), as JSON.
"use strict";
(function () {
  const input = document.getElementById("q");
  const list = document.getElementById("results");
  const count = document.getElementById("count");
  if (!input || !list || !count) return;
  let timer = null;
  let latest = 0;

  function render(items, query) {
    list.replaceChildren();
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/leaflets/" + encodeURIComponent(item.slug);
      a.textContent = item.title; // text, never HTML: nothing typed is ever parsed as markup
      li.append(a);
      if (item.generic_name && item.generic_name !== item.title) {
        const span = document.createElement("span");
        span.className = "generic";
        span.textContent = item.generic_name;
        li.append(" ", span);
      }
      list.append(li);
    }
    count.textContent = query
      ? items.length + (items.length === 1 ? " leaflet matches" : " leaflets match") + " “" + query + "”."
      : items.length + " leaflets.";
  }

  async function search() {
    const query = input.value.trim();
    const ticket = ++latest;
    const response = await fetch("/api/search?q=" + encodeURIComponent(query), {
      headers: { Accept: "application/json" },
    });
    if (!response.ok || ticket !== latest) return;
    render(await response.json(), query);
    const url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
})();
