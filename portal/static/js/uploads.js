/* Cổng Dịch vụ công: attaching papers (/nop-ho-so/…/giay-to). Without this file each
   component has a plain "Tải lên" button; with htmx the files go up as soon as they are
   chosen, and this file adds:
   - a progress bar (htmx's upload progress events) with a spoken percentage every 25 %;
   - the offer to shrink phone photos in the browser before sending (canvas → JPEG);
   - an immediate message for a file still too large, instead of a long wasted upload.
   Messages come from data-* attributes written by the server, already translated. */
(function () {
  "use strict";

  var QUALITY = 0.85;
  var SMALL_ENOUGH = 1024 * 1024;

  function canShrink() {
    return "createImageBitmap" in window && "DataTransfer" in window && !!document.createElement("canvas").toBlob;
  }

  function shrink(file, maxSide) {
    if (!/^image\/(jpeg|png)$/.test(file.type)) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= SMALL_ENOUGH) { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a PNG's transparent parts would turn black in a JPEG
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.(jpe?g|png)$/i, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function showError(form, message) {
    var input = form.querySelector("input[type=file]");
    var error = form.querySelector("[data-client-error]");
    if (!error) {
      error = document.createElement("p");
      error.className = "portal-error-message";
      error.id = input.id + "-client-error";
      error.setAttribute("data-client-error", "");
      input.parentNode.insertBefore(error, input);
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + error.id);
    }
    error.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  // Shrink what may be shrunk, refuse what is still too big, then let htmx send.
  function prepare(form) {
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    var option = form.querySelector("[data-shrink]");
    var side = Number(form.getAttribute("data-shrink-side")) || 2000;
    var work = files.map(function (file) {
      return option && option.checked && canShrink() ? shrink(file, side) : Promise.resolve(file);
    });
    return Promise.all(work).then(function (ready) {
      var limit = Number(form.getAttribute("data-max-bytes"));
      var tooBig = ready.filter(function (file) { return limit && file.size > limit; });
      if (tooBig.length) {
        showError(form, form.getAttribute("data-too-big").replace("{name}", tooBig[0].name));
        return false;
      }
      if (ready.some(function (file, i) { return file !== files[i]; })) {
        var transfer = new DataTransfer();
        ready.forEach(function (file) { transfer.items.add(file); });
        input.files = transfer.files;
      }
      return true;
    });
  }

  function progress(form, percent) {
    var box = form.querySelector("[data-upload-progress]");
    if (!box) { return; }
    box.hidden = false;
    box.querySelector("progress").value = percent;
    var status = box.querySelector("[role=status]");
    var step = Math.floor(percent / 25) * 25;  // speak every quarter, not every event
    if (status.getAttribute("data-step") !== String(step)) {
      status.setAttribute("data-step", String(step));
      status.textContent = status.getAttribute("data-template").replace("{percent}", String(step));
    }
  }

  function enhance(root) {
    root.querySelectorAll("form[data-upload]:not([data-upload-ready])").forEach(function (form) {
      form.setAttribute("data-upload-ready", "");
      var option = form.querySelector("[data-shrink-option]");
      if (option && canShrink()) { option.hidden = false; }
      var status = form.querySelector("[data-upload-progress] [role=status]");
      if (status) { status.setAttribute("data-template", status.getAttribute("data-progress-text")); }
    });
  }

  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-upload]")) { return; }
    event.preventDefault();
    prepare(form).then(function (ok) { if (ok) { event.detail.issueRequest(true); } });
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form[data-upload]");
    if (form && event.detail.lengthComputable) {
      progress(form, Math.round(event.detail.loaded * 100 / event.detail.total));
    }
  });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
