// fmd's web dashboard: progressive enhancement only; every page works without it.
// - live refresh: pages marked data-live fetch themselves every few seconds while visible and swap #content
//   (the server answers 304 when nothing changed, thanks to its ETags); polling stops while the tab is hidden.
// - selects marked data-autosubmit post their form on change (with the session's CSRF token already in it).
// - keys: "/" focuses the filter, "[" "]" change the window, 1-9 switch tabs, j/k move the row selection,
//   Enter opens it; nothing is taken from inputs.
(function () {
  "use strict";
  var LIVE_MS = 5000;
  var timer = null;

  function content() { return document.getElementById("content"); }

  function live() { var c = content(); return c && c.getAttribute("data-live") === "1"; }

  function setLiveLabel(text, paused) {
    var el = document.getElementById("live");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("paused", paused);
  }

  function refresh() {
    if (document.hidden || !live()) { return; }
    fetch(window.location.href, { headers: { "X-Requested-With": "fmd-live" }, credentials: "same-origin", cache: "no-cache" })
      .then(function (response) {
        if (response.status === 304 || !response.ok) { return null; }
        return response.text();
      })
      .then(function (text) {
        if (!text) { return; }
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("content");
        var current = content();
        if (!fresh || !current) { return; }
        setLiveLabel("● live", false);
        // The browser revalidates with the page's ETag: an unchanged answer comes back as the same text.
        if (fresh.innerHTML === current.innerHTML) { return; }
        var focused = document.activeElement && document.activeElement.id;
        var selected = selectedIndex();
        current.replaceWith(fresh);
        wire(fresh);
        if (focused) { var f = document.getElementById(focused); if (f) { f.focus(); } }
        if (selected >= 0) { select(selected); }
      })
      .catch(function () { setLiveLabel("● offline", true); });
  }

  function schedule() {
    if (timer) { clearInterval(timer); timer = null; }
    if (!live()) { return; }
    if (document.hidden) { setLiveLabel("● paused", true); return; }
    setLiveLabel("● live", false);
    timer = setInterval(refresh, LIVE_MS);
  }

  function wire(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var button = select.form && select.form.querySelector("noscript");
      if (button) { button.remove(); }
      select.addEventListener("change", function () {
        var back = select.form.querySelector("input[name=back]");
        if (!back) {
          back = document.createElement("input");
          back.type = "hidden"; back.name = "back"; select.form.appendChild(back);
        }
        back.value = window.location.pathname + window.location.search;
        select.form.submit();
      });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table.data tbody tr[data-href]")); }
  function selectedIndex() { return rows().findIndex(function (r) { return r.classList.contains("selected"); }); }
  function select(i) {
    var all = rows();
    if (!all.length) { return; }
    i = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r) { r.classList.remove("selected"); });
    all[i].classList.add("selected");
    all[i].scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "/") {
      var filter = document.getElementById("filter");
      if (filter) { event.preventDefault(); filter.focus(); filter.select(); }
    } else if (key === "[" || key === "]") {
      var windows = Array.prototype.slice.call(document.querySelectorAll("nav.windows a.window"));
      var at = windows.findIndex(function (a) { return a.classList.contains("current"); });
      var next = windows[Math.max(0, Math.min(windows.length - 1, at + (key === "]" ? 1 : -1)))];
      if (next && at >= 0) { window.location.href = next.href; }
    } else if (/^[1-9]$/.test(key)) {
      var tab = document.querySelector('nav.tabs a[data-tab="' + key + '"]');
      if (tab) { window.location.href = tab.href; }
    } else if (key === "j" || key === "k") {
      var at2 = selectedIndex();
      select(at2 < 0 ? 0 : at2 + (key === "j" ? 1 : -1));
    } else if (key === "Enter") {
      var chosen = rows()[selectedIndex()];
      if (chosen) { window.location.href = chosen.getAttribute("data-href"); }
    }
  });

  document.addEventListener("visibilitychange", function () { schedule(); if (!document.hidden) { refresh(); } });
  document.addEventListener("DOMContentLoaded", function () { wire(document); schedule(); });
})();

// The grouped profiler's icicle (svg[data-icicle]): clicking a frame zooms into it in place (its span fills
// the width, frames outside it hide), clicking the top frame or "reset zoom" zooms out; the search box
// (input[data-icicle-search]) highlights matching frames and table rows as you type. Without this the frames
// are links the server zooms (?zoom=) and the search is a form (?find=).
(function () {
  "use strict";
  function label(node) {
    var t = node.querySelector("title");
    return t ? t.textContent.split("\n")[0] : "";
  }
  function cut(text, chars) { return text.length <= chars ? text : text.slice(0, Math.max(0, chars - 1)) + "\u2026"; }
  function setup(svg) {
    var width = parseFloat(svg.getAttribute("data-width")) || 1200;
    var row = parseFloat(svg.getAttribute("data-row")) || 20;
    var nodes = Array.prototype.slice.call(svg.querySelectorAll("g[data-node]"));
    var items = nodes.map(function (g) {
      return { g: g, x: parseFloat(g.getAttribute("data-x")), w: parseFloat(g.getAttribute("data-w")),
        d: parseInt(g.getAttribute("data-depth"), 10), label: label(g) };
    });
    var zoomed = null;
    function draw(z) {
      zoomed = z;
      var x0 = z ? z.x : 0, w0 = z ? z.w : 1, d0 = z ? z.d : 0, rows = 0;
      items.forEach(function (it) {
        var inside = it.d >= d0 && it.x >= x0 - 1e-9 && it.x + it.w <= x0 + w0 + 1e-9;
        if (!inside) { it.g.setAttribute("display", "none"); return; }
        it.g.removeAttribute("display");
        var x = (it.x - x0) / w0 * width, w = it.w / w0 * width, y = (it.d - d0) * row;
        rows = Math.max(rows, it.d - d0 + 1);
        var rect = it.g.querySelector("rect");
        rect.setAttribute("x", x.toFixed(2)); rect.setAttribute("y", y.toFixed(1));
        rect.setAttribute("width", Math.max(0.1, w - 0.5).toFixed(2));
        var text = it.g.querySelector("text");
        var chars = Math.floor((w - 6) / 6.6);
        if (chars >= 3) {
          if (!text) {
            text = document.createElementNS("http://www.w3.org/2000/svg", "text");
            rect.parentNode.appendChild(text);
          }
          text.setAttribute("x", (x + 3).toFixed(2)); text.setAttribute("y", (y + 14).toFixed(1));
          text.textContent = cut(it.label, chars);
        } else if (text) { text.remove(); }
      });
      var h = Math.max(1, rows) * row;
      svg.setAttribute("viewBox", "0 0 " + width + " " + h);
      svg.setAttribute("height", h);
      document.body.classList.toggle("icicle-zoomed", !!z);
    }
    items.forEach(function (it) {
      var link = it.g.querySelector("a");
      if (!link) { return; }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        draw(zoomed === it ? null : it);
      });
    });
    document.querySelectorAll("a[data-icicle-reset]").forEach(function (reset) {
      reset.addEventListener("click", function (event) {
        if (zoomed) { event.preventDefault(); draw(null); }
      });
    });
    var search = document.querySelector("input[data-icicle-search]");
    var found = document.getElementById("icicle-found");
    if (search) {
      search.addEventListener("input", function () {
        var q = search.value.toLowerCase(), n = 0;
        items.forEach(function (it) {
          var hit = q !== "" && it.label.toLowerCase().indexOf(q) >= 0;
          it.g.classList.toggle("match", hit);
          if (hit) { n += 1; }
        });
        document.querySelectorAll("table.grouped tr[data-line]").forEach(function (tr) {
          var code = tr.querySelector("code");
          tr.classList.toggle("match", q !== "" && !!code && code.textContent.toLowerCase().indexOf(q) >= 0);
        });
        if (found) { found.textContent = q === "" ? "" : n + " frames match"; }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg[data-icicle]").forEach(setup);
  });
})();
