// Keeps what a volunteer types in a form marked data-draft on the phone itself (localStorage), so
// that a dropped connection, a closed tab or a failed send loses nothing. The page shown after
// a successful send names the draft in data-draft-done, which clears it. With no connection at
// all the form is not sent: the volunteer is told the text is kept and can send it later, unless
// the service worker is there to queue it (a visit report, see sw.js).
(function () {
  "use strict";
  var PREFIX = "liens-draft:";
  var store;
  try { store = window.localStorage; store.getItem(PREFIX); } catch (e) { return; }

  document.querySelectorAll("[data-draft-done]").forEach(function (el) {
    store.removeItem(PREFIX + el.getAttribute("data-draft-done"));
  });

  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = PREFIX + form.getAttribute("data-draft");
    var fields = function () {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "hidden" && el.type !== "submit";
      });
    };
    var save = function () {
      var data = {};
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
        } else {
          data[el.name] = [el.value];
        }
      });
      store.setItem(key, JSON.stringify(data));
    };
    // A form the server sent back with errors already holds what was typed: it wins.
    var saved = store.getItem(key);
    if (saved && !form.querySelector(".has-error")) {
      var data = JSON.parse(saved);
      fields().forEach(function (el) {
        var values = data[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = values.indexOf(el.value) !== -1;
        } else if (values.length) {
          el.value = values[0];
        }
      });
      var restored = form.querySelector("[data-draft-restored]");
      if (restored) { restored.hidden = false; }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      save();
      // With the service worker looking after the page, it queues what is sent with no
      // network and sends it when the network returns (sw.js): let the form go.
      var queued = navigator.serviceWorker && navigator.serviceWorker.controller && form.hasAttribute("data-report-form");
      if (navigator.onLine === false && !queued) {
        event.preventDefault();
        var offline = form.querySelector("[data-draft-offline]");
        if (offline) { offline.hidden = false; offline.focus(); }
      }
    });
  });
})();
