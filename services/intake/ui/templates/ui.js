// The review UI's one script, served by the app itself (script-src 'self', no CDN). Every
// page works without it; it adds the live countdown, keyboard navigation, the session
// expiry warning and keeps typed text across a re-sign-in (sessionStorage, this tab only).
(function () {
  "use strict";
  var body = document.body;

  // -- countdown: [data-due] holds the respond-by instant (ISO 8601, UTC) ----------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function left(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text = d ? d + "d " + pad(h) + "h" : h ? h + "h " + pad(m) + "m" : m + "m " + pad(sec) + "s";
    return ms >= 0 ? text : "overdue by " + text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("data-due")) - now;
      el.textContent = left(ms);
      if (ms < 0) { el.closest(".countdown").className = "countdown overdue"; }
    });
  }
  if (document.querySelector("[data-due]")) { tick(); setInterval(tick, 1000); }

  // -- queue keyboard: j/k move, enter opens, a opens the approve form -------------------
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  var current = -1;
  function select(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle("selected", n === current); });
    rows[current].querySelector("a").focus();
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) { return; }
    if (rows.length && (e.key === "j" || e.key === "k")) {
      select(current + (e.key === "j" ? 1 : -1)); e.preventDefault();
    } else if (rows.length && e.key === "Enter" && current >= 0 && t.tagName !== "A") {
      window.location = rows[current].getAttribute("data-href");
    } else if (e.key === "a") {
      if (rows.length && current >= 0) {
        window.location = rows[current].getAttribute("data-href") + "#approve";
      } else {
        var note = document.getElementById("approve-note");
        if (note) { note.focus(); e.preventDefault(); }
      }
    }
  });
  if (window.location.hash === "#approve") {
    var note = document.getElementById("approve-note");
    if (note) { note.focus(); }
  }

  // -- session expiry: warn before the token runs out -----------------------------------
  var expires = Date.parse(body.getAttribute("data-session-expires") || "");
  var warning = document.getElementById("session-warning");
  if (expires && warning) {
    var check = function () {
      var ms = expires - Date.now();
      if (ms <= 5 * 60 * 1000) {
        warning.hidden = false;
        warning.querySelector("span").textContent = ms > 0
          ? "Your session ends in " + left(ms) + ". What you type is kept: sign in again when asked."
          : "Your session has ended. What you type is kept: sign in again to send it.";
      }
    };
    check(); setInterval(check, 1000);
  }

  // -- typed text survives a re-sign-in -------------------------------------------------
  var page = window.location.pathname;
  function key(el) { return "writ-draft:" + page + ":" + el.id; }
  var fields = document.querySelectorAll("form[data-keep] textarea[id], form[data-keep] input[type=text][id], form[data-keep] input[type=date][id]");
  var saved = document.querySelector(".flash.ok");
  fields.forEach(function (el) {
    if (saved) { sessionStorage.removeItem(key(el)); return; }
    var kept = sessionStorage.getItem(key(el));
    if (kept !== null && !el.value) { el.value = kept; }
    el.addEventListener("input", function () { sessionStorage.setItem(key(el), el.value); });
  });
})();
