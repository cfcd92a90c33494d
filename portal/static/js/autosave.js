/* Cổng Dịch vụ công: e-form enhancements. Without this file every form still works
   ("Lưu nháp", "Lưu và tiếp tục", "Chọn tỉnh"); with it:
   - conditional fields show and hide as answers change (data-show-if);
   - a field group is checked by the server when focus leaves it (htmx "eform:check");
   - the draft saves itself: changed inputs are sent in order, one request at a time,
     debounced while typing and at once on "change". Values not yet acknowledged are kept in
     localStorage and sent again when the network or the login comes back; the status line
     says which ("đã lưu trên máy này" / "đã lưu trên hệ thống"). */
(function () {
  "use strict";

  var TYPING_DELAY = 700;
  var RETRY_DELAY = 5000;

  function text(key) {
    var messages = {
      vi: {
        saving: "Đang lưu…",
        server: "Đã lưu trên hệ thống lúc ",
        local: "Đã lưu trên máy này (chưa gửi được lên hệ thống: mất kết nối). Sẽ tự gửi khi có mạng.",
        login: "Đã lưu trên máy này. Phiên đăng nhập đã hết: hãy đăng nhập lại để lưu lên hệ thống.",
        loginLink: "Đăng nhập lại",
        retry: "Thử lại",
        overwrite: "Ghi đè bằng nội dung trang này",
        reload: "Xem bản mới nhất",
        restored: "Đã khôi phục những gì bạn nhập trên máy này nhưng chưa kịp lưu lên hệ thống.",
        auto: "Bản nháp được lưu tự động khi bạn nhập."
      },
      en: {
        saving: "Saving…",
        server: "Saved on the portal at ",
        local: "Saved on this device (could not reach the portal). It will be sent when the connection is back.",
        login: "Saved on this device. Your login has ended: log in again to save on the portal.",
        loginLink: "Log in again",
        retry: "Try again",
        overwrite: "Overwrite with this page",
        reload: "See the latest version",
        restored: "What you typed on this device but had not yet been saved on the portal has been restored.",
        auto: "This draft saves itself as you type."
      }
    };
    var lang = document.documentElement.lang === "en" ? "en" : "vi";
    return messages[lang][key];
  }

  // --- Conditional fields --------------------------------------------------------------

  function currentValue(form, name) {
    var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { return input.value; }
      } else if (!input.disabled) {
        return input.value;
      }
    }
    return "";
  }

  function groupOf(form, name) {
    var input = form.querySelector("[name='" + name.replace(/'/g, "") + "']");
    return input ? input.closest(".portal-eform-field") : null;
  }

  function isShown(form, group, depth) {
    var raw = group && group.getAttribute("data-show-if");
    if (!raw || depth > 20) { return true; }
    var condition = JSON.parse(raw);
    if (condition["in"].indexOf(currentValue(form, condition.field)) === -1) { return false; }
    return isShown(form, groupOf(form, condition.field), depth + 1);
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (group) {
      group.hidden = !isShown(form, group, 0);
    });
  }

  // --- Checking a field when focus leaves it -------------------------------------------

  function watchFocus(form) {
    form.addEventListener("focusout", function (event) {
      var group = event.target.closest(".portal-eform-field");
      if (!group || !group.hasAttribute("data-dirty")) { return; }
      if (event.relatedTarget && group.contains(event.relatedTarget)) { return; }
      group.removeAttribute("data-dirty");
      if (window.htmx) { window.htmx.trigger(group, "eform:check"); }
    });
  }

  // --- Autosave ------------------------------------------------------------------------

  function Autosave(form) {
    this.form = form;
    this.url = form.getAttribute("data-autosave-url");
    this.storageKey = "portal-draft:" + form.getAttribute("data-draft");
    this.revisionInput = form.querySelector("[data-revision]");
    this.status = document.getElementById("autosave-status");
    this.pending = {};   // input name → true: changed, not yet acknowledged by the server
    this.inFlight = null;
    this.timer = null;
    this.blocked = null; // "conflict" or "login": wait for the person
    this.force = false;
  }

  Autosave.prototype.start = function () {
    var self = this;
    this.say(text("auto"));
    this.restore();
    this.catchUp();
    this.form.addEventListener("input", function (event) { self.changed(event.target, false); });
    this.form.addEventListener("change", function (event) { self.changed(event.target, true); });
    window.addEventListener("online", function () { self.flush(); });
    window.addEventListener("pageshow", function () { self.flush(); });
  };

  // What was typed before this script ran (a slow phone, a slow network) is saved too.
  Autosave.prototype.catchUp = function () {
    var self = this;
    this.form.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (edited(input)) { self.changed(input, false); }
    });
  };

  function edited(input) {
    if (input.type === "checkbox" || input.type === "radio") {
      return input.checked !== input.defaultChecked;
    }
    if (input.tagName === "SELECT") {
      var initial = 0;
      Array.prototype.forEach.call(input.options, function (option, index) {
        if (option.defaultSelected) { initial = index; }
      });
      return input.selectedIndex !== initial;
    }
    if (["hidden", "file", "submit", "button"].indexOf(input.type) !== -1) { return false; }
    return input.value !== input.defaultValue;
  }

  Autosave.prototype.changed = function (input, now) {
    if (!input.name || input.name.charAt(0) === "_" || input.name === "csrf_token") { return; }
    this.pending[input.name] = true;
    var group = input.closest(".portal-eform-field");
    if (group) { group.setAttribute("data-dirty", ""); }
    applyConditions(this.form);
    this.keepLocally();
    clearTimeout(this.timer);
    var self = this;
    this.timer = setTimeout(function () { self.flush(); }, now ? 0 : TYPING_DELAY);
  };

  Autosave.prototype.values = function (names) {
    var data = new FormData();
    var form = this.form;
    names.forEach(function (name) {
      var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      var any = false;
      inputs.forEach(function (input) {
        if ((input.type === "checkbox" || input.type === "radio") && !input.checked) { return; }
        if (input.disabled) { return; }
        data.append(name, input.value);
        any = true;
      });
      if (!any) { data.append(name, ""); }
    });
    return data;
  };

  Autosave.prototype.snapshot = function () {
    var names = Object.keys(this.pending);
    var data = this.values(names);
    var values = {};
    names.forEach(function (name) { values[name] = data.getAll(name); });
    return values;
  };

  Autosave.prototype.keepLocally = function () {
    try {
      window.localStorage.setItem(this.storageKey, JSON.stringify({
        revision: Number(this.revisionInput.value), values: this.snapshot()
      }));
    } catch (error) { /* storage full or disabled: the server copy still works */ }
  };

  Autosave.prototype.restore = function () {
    var saved;
    try { saved = JSON.parse(window.localStorage.getItem(this.storageKey) || "null"); }
    catch (error) { saved = null; }
    if (!saved || !saved.values) { return; }
    var form = this.form;
    var self = this;
    Object.keys(saved.values).forEach(function (name) {
      var values = saved.values[name];
      form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']").forEach(function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          input.checked = values.indexOf(input.value) !== -1;
        } else {
          input.value = values[0] || "";
        }
      });
      self.pending[name] = true;
    });
    if (Object.keys(this.pending).length) {
      this.revisionInput.value = String(saved.revision || this.revisionInput.value);
      applyConditions(form);
      this.say(text("restored"));
      this.flush();
    }
  };

  Autosave.prototype.flush = function () {
    if (this.inFlight || this.blocked) { return; }
    var names = Object.keys(this.pending);
    if (!names.length) { return; }
    var self = this;
    var sent = this.snapshot();
    var body = this.values(names);
    body.append("csrf_token", this.form.querySelector("[name='csrf_token']").value);
    body.append("_revision", this.revisionInput.value);
    if (this.force) { body.append("_force", "1"); }
    this.say(text("saving"));
    this.inFlight = fetch(this.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, json: json };
      });
    }).then(function (result) {
      self.inFlight = null;
      if (result.status === 200) {
        self.force = false;
        self.revisionInput.value = String(result.json.revision);
        var now = self.snapshot();
        names.forEach(function (name) {
          // Keep a name pending if it changed again while the request was on its way.
          if (JSON.stringify(now[name]) === JSON.stringify(sent[name])) { delete self.pending[name]; }
        });
        if (Object.keys(self.pending).length) {
          self.keepLocally();
          self.flush();
        } else {
          try { window.localStorage.removeItem(self.storageKey); } catch (error) { /* ignore */ }
          self.say(text("server") + result.json.saved_at + ".");
        }
      } else if (result.status === 409) {
        self.blocked = "conflict";
        self.conflict(result.json.message);
      } else if (result.status === 401) {
        self.blocked = "login";
        self.say(text("login"), { href: result.json.login_url, label: text("loginLink") });
      } else {
        self.offline();
      }
    }, function () {
      self.inFlight = null;
      self.offline();
    });
  };

  Autosave.prototype.offline = function () {
    var self = this;
    this.say(text("local"), { button: text("retry"), action: function () { self.flush(); } });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.flush(); }, RETRY_DELAY);
  };

  Autosave.prototype.conflict = function (message) {
    var self = this;
    this.say(message, {
      button: text("overwrite"),
      action: function () { self.blocked = null; self.force = true; self.flush(); },
      href: window.location.href.split("#")[0], label: text("reload"),
      alert: true
    });
  };

  // The status line: a polite live region, with an optional button or link after the text.
  Autosave.prototype.say = function (message, extra) {
    if (!this.status) { return; }
    this.status.textContent = message;
    this.status.classList.toggle("portal-autosave--alert", Boolean(extra && extra.alert));
    if (!extra) { return; }
    if (extra.button) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "portal-link-button portal-autosave__action";
      button.textContent = extra.button;
      button.addEventListener("click", extra.action);
      this.status.appendChild(document.createTextNode(" "));
      this.status.appendChild(button);
    }
    if (extra.href) {
      var link = document.createElement("a");
      link.href = extra.href;
      link.className = "portal-autosave__action";
      link.textContent = extra.label;
      this.status.appendChild(document.createTextNode(" "));
      this.status.appendChild(link);
    }
  };

  function init(root) {
    root.querySelectorAll("form[data-autosave-url]:not([data-autosave-ready])").forEach(function (form) {
      form.setAttribute("data-autosave-ready", "");
      applyConditions(form);
      watchFocus(form);
      var autosave = new Autosave(form);
      form.autosave = autosave;
      autosave.start();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-autosave-url]");
    if (form) { applyConditions(form); }
  });
}());
