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
