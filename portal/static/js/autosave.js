/* Cổng Dịch vụ công: e-form enhancements. Without this file every form still works
   ("Lưu nháp", "Lưu và tiếp tục", "Chọn tỉnh"); with it:
   - conditional fields show and hide as answers change (data-show-if);
   - a field group is checked by the server when focus leaves it (htmx "eform:check");
   - the draft saves itself: changed inputs are sent in order, one request at a time,
     debounced while typing and at once on "change". Values not yet acknowledged are kept in
     localStorage and sent again when the network or the login comes back; the status line
     says which ("đã lưu trên máy này" / "đã lưu trên hệ thống");
   - saves merge by field on the server: what other tabs saved meanwhile comes back and is
     shown; the same field changed in both places is a choice for the person, never a
     silent overwrite;
   - a section submitted while a save is pending or on its way waits for it, then goes with
     the latest revision (one request at a time per draft). */
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
        keepMine: "Giữ nội dung của tôi",
        takeTheirs: "Dùng bản đã lưu ở nơi khác",
        savedElsewhere: "Đã lưu ở nơi khác: ",
        updated: "Đã cập nhật những trường được sửa ở thẻ hoặc thiết bị khác: ",
        tooLong: "Chưa lưu (quá dài): ",
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
        keepMine: "Keep what I entered",
        takeTheirs: "Use the version saved elsewhere",
        savedElsewhere: "Saved elsewhere: ",
        updated: "Updated the fields changed in another tab or device: ",
        tooLong: "Not saved (too long): ",
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
    this.submitter = null; // the button of a section submitted while saves were pending
  }

  Autosave.prototype.start = function () {
    var self = this;
    this.say(text("auto"));
    this.restore();
    this.catchUp();
    this.form.addEventListener("input", function (event) { self.changed(event.target, false); });
    this.form.addEventListener("change", function (event) { self.changed(event.target, true); });
    this.form.addEventListener("submit", function (event) { self.waitBeforeSubmit(event); });
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

  // One request at a time per draft: a save waits for the one before it, and a section
  // submitted ("Lưu và tiếp tục") waits for both, then goes with the latest revision.
  Autosave.prototype.flush = function () {
    if (this.inFlight || this.blocked) { return; }
    var names = Object.keys(this.pending);
    if (!names.length) { this.idle(); return; }
    var self = this;
    var sent = this.snapshot();
    var body = this.values(names);
    body.append("csrf_token", this.form.querySelector("[name='csrf_token']").value);
    body.append("_revision", this.revisionInput.value);
    this.say(text("saving"));
    this.inFlight = fetch(this.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, json: json,
                 retryAfter: Number(response.headers.get("Retry-After")) || 0 };
      });
    }).then(function (result) {
      self.inFlight = null;
      self.answered(result, names, sent);
    }, function () {
      self.inFlight = null;
      self.offline();
    });
  };

  Autosave.prototype.answered = function (result, names, sent) {
    if (result.status === 200) {
      this.saved(result.json, names, sent);
    } else if (result.status === 409) {
      this.blocked = "conflict";
      this.conflict(result.json);
    } else if (result.status === 401) {
      this.blocked = "login";
      this.submitter = null;
      this.say(text("login"), { href: result.json.login_url, label: text("loginLink") });
    } else {
      this.offline(result.retryAfter); // 503 while the database restarts: as it says
    }
  };

  Autosave.prototype.saved = function (json, names, sent) {
    var self = this;
    var now = this.snapshot();
    names.forEach(function (name) {
      // Keep a name pending if it changed again while the request was on its way.
      if (JSON.stringify(now[name]) === JSON.stringify(sent[name])) { delete self.pending[name]; }
    });
    var refused = Object.keys(json.refused || {});
    refused.forEach(function (name) { delete self.pending[name]; });
    // Fields other tabs saved meanwhile: shown here, so that what this page shows is the
    // revision it now names. One also edited here is a conflict, never overwritten.
    var clashes = this.takeChanges(json.changes || {});
    this.revisionInput.value = String(json.revision);
    if (Object.keys(clashes).length) {
      this.blocked = "conflict";
      this.conflict({ fields: clashes, changes: {}, revision: json.revision });
      return;
    }
    this.keepLocally();
    if (Object.keys(this.pending).length) { this.flush(); return; }
    try { window.localStorage.removeItem(this.storageKey); } catch (error) { /* ignore */ }
    if (refused.length) {
      this.say(text("tooLong") + refused.map(labelOf.bind(null, this.form)).join(", "),
               { alert: true });
    } else {
      this.say(text("server") + json.saved_at + ".");
    }
    this.idle();
  };

  // Put values saved elsewhere into the form; returns those that clash with an edit here.
  Autosave.prototype.takeChanges = function (changes) {
    var clashes = {};
    var form = this.form;
    var names = Object.keys(changes);
    names.forEach(function (name) {
      if (this.pending[name]) { clashes[name] = changes[name]; return; }
      setValue(form, name, changes[name]);
    }, this);
    if (names.length) { applyConditions(form); }
    return clashes;
  };

  function setValue(form, name, value) {
    var values = Array.isArray(value) ? value : [value === null ? "" : String(value)];
    form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']").forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = values.indexOf(input.value) !== -1;
      } else {
        input.value = values[0] || "";
      }
    });
  }

  function labelOf(form, name) {
    var input = form.querySelector("[name='" + name.replace(/'/g, "") + "']");
    var group = input && input.closest(".portal-eform-field");
    var label = group && group.querySelector("label, legend");
    return label ? label.textContent.replace(/\s+/g, " ").trim() : name;
  }

  // Nothing left to send: a section submitted meanwhile goes now.
  Autosave.prototype.idle = function () {
    if (!this.submitter || this.inFlight || this.blocked) { return; }
    var submitter = this.submitter;
    this.submitter = null;
    this.releasing = true;
    if (this.form.requestSubmit) {
      this.form.requestSubmit(submitter.form ? submitter : undefined);
    } else {
      this.form.submit();
    }
  };

  Autosave.prototype.waitBeforeSubmit = function (event) {
    if (this.releasing) { this.releasing = false; return; }
    clearTimeout(this.timer);
    if (this.blocked === "login") { return; } // the server keeps what is sent, past the login
    if (!this.inFlight && !Object.keys(this.pending).length) { return; }
    event.preventDefault();
    this.submitter = event.submitter || this.form.querySelector("[type=submit]");
    if (!this.blocked) { this.flush(); }
  };

  Autosave.prototype.offline = function (seconds) {
    var self = this;
    this.submitter = null;
    this.say(text("local"), { button: text("retry"), action: function () { self.flush(); } });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.flush(); },
                                 seconds ? Math.min(seconds, 60) * 1000 : RETRY_DELAY);
  };

  // The same field was saved elsewhere with another value: say which, and let the person
  // choose. Either way the page first takes every other change saved elsewhere.
  Autosave.prototype.conflict = function (json) {
    var self = this;
    var fields = json.fields || {};
    var names = Object.keys(fields);
    var others = {};
    Object.keys(json.changes || {}).forEach(function (name) {
      if (!(name in fields)) { others[name] = json.changes[name]; }
    });
    var shown = names.map(function (name) {
      var value = Array.isArray(fields[name]) ? fields[name].join(", ") : fields[name];
      return labelOf(self.form, name) + ": “" + (value || "—") + "”";
    }).join("; ");
    function resolve(takeTheirs) {
      self.takeChanges(others);
      if (takeTheirs) {
        names.forEach(function (name) {
          delete self.pending[name];
          setValue(self.form, name, fields[name]);
        });
        applyConditions(self.form);
      }
      self.revisionInput.value = String(json.revision);
      self.blocked = null;
      self.keepLocally();
      self.flush();
    }
    this.say(json.message + " " + text("savedElsewhere") + shown + ".", {
      button: text("keepMine"), action: function () { resolve(false); },
      button2: text("takeTheirs"), action2: function () { resolve(true); },
      alert: true
    });
  };

  // The status line: a polite live region, with an optional button or link after the text.
  Autosave.prototype.say = function (message, extra) {
    if (!this.status) { return; }
    this.status.textContent = message;
    this.status.classList.toggle("portal-autosave--alert", Boolean(extra && extra.alert));
    if (!extra) { return; }
    if (extra.button) { this.addButton(extra.button, extra.action); }
    if (extra.button2) { this.addButton(extra.button2, extra.action2); }
    if (extra.href) {
      var link = document.createElement("a");
      link.href = extra.href;
      link.className = "portal-autosave__action";
      link.textContent = extra.label;
      this.status.appendChild(document.createTextNode(" "));
      this.status.appendChild(link);
    }
  };

  Autosave.prototype.addButton = function (label, action) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "portal-link-button portal-autosave__action";
    button.textContent = label;
    button.addEventListener("click", action);
    this.status.appendChild(document.createTextNode(" "));
    this.status.appendChild(button);
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
