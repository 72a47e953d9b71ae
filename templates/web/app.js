// The counter: search as you type (the same server-side search as ?q=), a prescription of
// several leaflets, and one click to print it through a hidden frame.
// Patient details live only in this page and in the POST body: never in the address, in
// storage or in a cookie. Only staff choices (size, paper, initials) are remembered.
"use strict";
(function () {
  const input = document.getElementById("q");
  const list = document.getElementById("results");
  const count = document.getElementById("count");
  const hints = document.getElementById("suggestions");
  if (!input || !list || !count) return;
  const rx = document.getElementById("rx");
  // The page's words in its UI language (data in the page, see web_lang): "{name}" placeholders,
  // each name or query quoted as a bidi isolate (FSI … PDI, as i18n.isolate does).
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  function say(key, values) {
    return T[key].replace(/\{(\w+)\}/g, function (all, name) {
      if (!(name in values)) return all;
      const value = values[name];
      return typeof value === "string" ? "\u2068" + value + "\u2069" : String(value);
    });
  }
  let timer = null;
  let latest = 0;
  let shown = [];

  function entry(item) {
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
    // A title in another language than the counter's says so (its voice, its glyphs, its side).
    if (item.lang && item.lang.split("-")[0] !== document.documentElement.lang) {
      for (const node of li.querySelectorAll("a, .generic")) { node.lang = item.lang; node.dir = "auto"; }
    }
    if (rx) li.append(addButton(item.slug, item.title));
    return li;
  }

  function render(data, query) {
    shown = data.results;
    list.replaceChildren(...data.results.map(entry));
    count.textContent = query
      ? say("count_match", { query: query, count: data.results.length, total: data.total })
      : say("count_all", { count: data.results.length });
    hints.replaceChildren();
    hints.hidden = !data.suggestions.length;
    if (data.suggestions.length) {
      const around = T.did_you_mean.split("{names}");
      hints.append(around[0]);
      data.suggestions.forEach(function (s, n) {
        const a = document.createElement("a");
        a.href = "/?q=" + encodeURIComponent(s.title);
        a.textContent = s.title;
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          input.value = s.title;
          search();
          input.focus();
        });
        hints.append(a, n === data.suggestions.length - 1 ? around[1] : ", ");
      });
    }
  }

  async function search() {
    const query = input.value.trim();
    const ticket = ++latest;
    const response = await fetch("/api/search?q=" + encodeURIComponent(query), {
      headers: { Accept: "application/json" },
    });
    if (!response.ok || ticket !== latest) return null;
    const data = await response.json();
    render(data, query);
    const url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
    return data;
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });

  // Enter searches at once; with a single match it opens it: into the prescription when there
  // is one on this page, else as its leaflet page.
  document.getElementById("search").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    const data = await search();
    if (!data || data.results.length !== 1) return;
    const only = data.results[0];
    if (rx) add(only.slug, only.title);
    else window.location.href = "/leaflets/" + encodeURIComponent(only.slug);
  });

  if (!rx) return;

  // -- the prescription ----------------------------------------------------------------------
  const section = document.getElementById("prescription");
  const items = document.getElementById("items");
  const empty = document.getElementById("rx-empty");
  const template = document.getElementById("item-template");
  const status = document.getElementById("rx-status");
  const frame = document.getElementById("print-frame");
  const openLink = document.getElementById("open-pdf");
  const printButton = document.getElementById("print");
  const MAX_ITEMS = 20;
  const REMEMBERED = ["size", "paper", "initials"]; // staff choices, never patient data
  let serial = 0;
  let pdfUrl = null;
  section.hidden = false;
  for (const button of list.querySelectorAll("button.add")) {
    button.hidden = false;
    button.addEventListener("click", function () { add(button.dataset.slug, button.dataset.title); });
  }

  function addButton(slug, title) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "add";
    button.append(T.add);
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ": " + title;
    button.append(hidden);
    button.addEventListener("click", function () { add(slug, title); });
    return button;
  }

  function tell(text) { status.textContent = text; }

  function refresh() {
    empty.hidden = items.children.length > 0;
  }

  function add(slug, title) {
    for (const li of items.children) {
      if (li.dataset.slug === slug) {
        tell(say("already_added", { title: title }));
        li.querySelector("input[name=directions]").focus();
        return;
      }
    }
    if (items.children.length >= MAX_ITEMS) {
      tell(say("rx_full", { count: MAX_ITEMS }));
      return;
    }
    const li = template.content.firstElementChild.cloneNode(true);
    const n = ++serial;
    li.dataset.slug = slug;
    li.querySelector(".item-title").textContent = title;
    li.querySelector(".item-name").textContent = ": " + title;
    li.querySelector("input[name=slug]").value = slug;
    for (const field of li.querySelectorAll("[data-id]")) field.id = "item-" + n + "-" + field.dataset.id;
    for (const label of li.querySelectorAll("label[data-for]")) label.htmlFor = "item-" + n + "-" + label.dataset.for;
    li.querySelector("button.remove").addEventListener("click", function () {
      li.remove();
      refresh();
      tell(say("removed", { title: title, count: items.children.length }));
      input.focus();
    });
    // Enter in a medicine's fields goes back to the search for the next one (not to Print).
    li.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.target.tagName !== "INPUT") return;
      ev.preventDefault();
      input.focus();
      input.select();
    });
    items.append(li);
    refresh();
    tell(say("added", { title: title, count: items.children.length }));
    li.querySelector("input[name=directions]").focus();
  }

  function today() {
    const d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  function remembered(name) {
    try { return window.localStorage.getItem("leaflets." + name); } catch (e) { return null; }
  }

  function remember() {
    const values = new FormData(rx);
    for (const name of REMEMBERED) {
      try { window.localStorage.setItem("leaflets." + name, values.get(name) || ""); } catch (e) { /* private mode */ }
    }
  }

  function restore() {
    const size = remembered("size");
    const box = size && rx.querySelector("input[name=size][value='" + CSS.escape(size) + "']");
    if (box) box.checked = true;
    const paper = remembered("paper");
    if (paper && rx.paper.querySelector("option[value='" + CSS.escape(paper) + "']")) rx.paper.value = paper;
    const initials = remembered("initials");
    if (initials !== null) rx.initials.value = initials;
  }

  function forget() {
    if (pdfUrl) URL.revokeObjectURL(pdfUrl);
    pdfUrl = null;
    frame.removeAttribute("src");
    openLink.hidden = true;
    openLink.href = "#";
  }

  async function errorText(response) {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const message = page.querySelector("main p");
    return message ? message.textContent : say("answered", { status: response.status });
  }

  function printFrame() {
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
      tell(T.dialog_open);
    } catch (e) {
      // This browser will not print from a frame: show the PDF in a tab of its own instead.
      window.open(pdfUrl, "_blank", "noopener");
      tell(T.opened_tab);
    }
  }

  // Braille or audio of the whole prescription: the same fields, fetched and saved as a file
  // (the patient's name stays in the POST body and in this page's memory).
  async function download(button) {
    button.disabled = true;
    tell(say("preparing_file", { format: button.dataset.format }));
    try {
      const response = await fetch(button.formAction, {
        method: "POST",
        body: new URLSearchParams(new FormData(rx)),
      });
      if (!response.ok) {
        tell(say("not_made", { reason: await errorText(response) }));
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = button.dataset.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      tell(say("file_saved", { format: button.dataset.format }));
    } catch (e) {
      tell(say("not_made", { reason: T.unreachable }));
    } finally {
      button.disabled = false;
    }
  }

  rx.addEventListener("change", remember);
  rx.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (!items.children.length) {
      tell(T.add_first);
      input.focus();
      return;
    }
    if (!rx.reportValidity()) return;
    remember();
    const other = ev.submitter && ev.submitter.dataset.format;
    if (other) {
      await download(ev.submitter);
      return;
    }
    printButton.disabled = true;
    tell(T.preparing);
    try {
      const response = await fetch(rx.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(rx)),
        headers: { Accept: "application/pdf" },
      });
      if (!response.ok) {
        tell(say("not_printed", { reason: await errorText(response) }));
        return;
      }
      forget();
      pdfUrl = URL.createObjectURL(await response.blob());
      openLink.href = pdfUrl;
      openLink.hidden = false;
      if (navigator.pdfViewerEnabled === false) {
        window.open(pdfUrl, "_blank", "noopener");
        tell(T.opened_tab);
        return;
      }
      frame.addEventListener("load", printFrame, { once: true });
      frame.src = pdfUrl;
    } catch (e) {
      tell(say("not_printed", { reason: T.unreachable }));
    } finally {
      printButton.disabled = false;
    }
  });

  document.getElementById("new").addEventListener("click", function () {
    forget();
    items.replaceChildren();
    rx.patient.value = "";
    rx.date.value = today();
    refresh();
    tell(T.next_patient);
    input.value = "";
    search();
    input.focus();
  });

  rx.date.value = today();
  restore();
  refresh();
})();
