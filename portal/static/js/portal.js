/* Cổng Dịch vụ công: small progressive enhancements, RSJS style.
   Behaviour hangs on data-* attributes and re-runs on content htmx swaps in (htmx:load).
   Every page works without this file. */
(function () {
  "use strict";

  // Lets CSS hide controls only needed without JavaScript (e.g. "Chọn tỉnh" buttons).
  document.documentElement.classList.add("js");

  // An error summary takes focus when it appears, so screen readers announce it.
  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-module='error-summary']");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }

  // Buttons that print the page; without JavaScript they stay hidden (the print
  // stylesheet still applies to the browser's own print command).
  function enablePrintButtons(root) {
    root.querySelectorAll("[data-print]:not([data-print-ready])").forEach(function (button) {
      button.setAttribute("data-print-ready", "");
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // Idle timeout warning (GOV.UK pattern): shown before the login ends, with a button to
  // stay logged in. When time runs out, the login page opens; what was typed is kept by
  // the server (forms sent after expiry are held until the person logs in again).
  function sessionTimeout() {
    var body = document.body;
    var total = Number(body.getAttribute("data-session-timeout"));
    var dialog = document.getElementById("session-timeout");
    if (!total || !dialog) { return; }
    var warnBefore = Number(body.getAttribute("data-session-warning")) || 120;
    var warnTimer, endTimer, previousFocus;

    function schedule() {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      warnTimer = setTimeout(show, Math.max(total - warnBefore, 0) * 1000);
      endTimer = setTimeout(function () {
        window.location.href = body.getAttribute("data-login-url");
      }, total * 1000);
    }
    function show() {
      previousFocus = document.activeElement;
      dialog.hidden = false;
      dialog.focus();
    }
    function hide() {
      dialog.hidden = true;
      if (previousFocus && previousFocus.focus) { previousFocus.focus(); }
    }
    function keepAlive() {
      var headers = {};
      var raw = body.getAttribute("data-hx-headers");
      if (raw) { headers = JSON.parse(raw); }
      fetch(body.getAttribute("data-keepalive-url"), {
        method: "POST", headers: headers, credentials: "same-origin"
      }).then(function (response) {
        if (response.ok) { hide(); schedule(); }
      });
    }
    dialog.querySelector("[data-keepalive]").addEventListener("click", keepAlive);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { keepAlive(); }
    });
    // Any request to the server counts as activity.
    document.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }

  // The row tools of a list (Lên, Xuống, Xóa dòng, Thêm dòng) swap the whole list in. Focus
  // goes where the button's formaction anchor points (where the page scrolls to without
  // JavaScript): a moved row's same tool, a new row's first field, or, after a removal,
  // the list itself (never another row's "Xóa dòng").
  function focusMovedRow(event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!trigger || trigger.tagName !== "BUTTON" || !trigger.hasAttribute("data-hx-post")) {
      return;
    }
    var action = trigger.getAttribute("formaction") || "";
    var target = action.indexOf("#") < 0 ? null
      : document.getElementById(action.slice(action.indexOf("#") + 1));
    if (!target) { return; }
    var verb = (trigger.value || "").split(":")[0];
    var moved = verb === "len" || verb === "xuong";
    var next = (moved && (target.querySelector("button[value^='" + verb + ":']")
                          || target.querySelector("button")))
      || (verb === "them" && target.querySelector("input, select, textarea"));
    if (!next) {
      next = target;
      target.setAttribute("tabindex", "-1");
    }
    next.focus();
  }

  function enhance(root) {
    focusErrorSummary(root);
    enablePrintButtons(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    sessionTimeout();
  });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  document.addEventListener("htmx:afterSwap", focusMovedRow);
})();
