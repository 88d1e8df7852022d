// The page's side of the installable web app (the service worker is /sw.js, see liens/pwa.py):
// registers the worker, tells it whose page this is (so it keeps only that user's copies),
// shows the reports waiting to be sent and then sent, the emergency numbers at once when an
// urgent concern is ticked with no network, and the install hint's button where the browser
// offers one, and the button that lets this device receive notifications (web push). Everything
// works without it: pages and forms are plain.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }

  var userMeta = document.querySelector("meta[name=liens-user]");

  function send(message) {
    navigator.serviceWorker.ready.then(function (registration) {
      var worker = navigator.serviceWorker.controller || registration.active;
      if (worker) { worker.postMessage(message); }
    });
  }

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});

  // A page from the server names its user (empty for a visitor); the page shown offline for a
  // page not kept names nobody and changes nothing.
  function announce() {
    if (userMeta) {
      send({
        type: "page",
        user: userMeta.content,
        language: document.documentElement.lang,
        online: navigator.onLine !== false
      });
    } else {
      send({ type: "status" });
    }
  }
  announce();
  window.addEventListener("online", function () { send({ type: "flush" }); });
  // Once the worker first takes the page over, it has missed the page's first word.
  navigator.serviceWorker.addEventListener("controllerchange", announce);

  // Signing out: the server's answer clears the site's data (Clear-Site-Data); this is for the
  // browsers without it.
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function () { send({ type: "clear" }); });
  });

  // --- reports waiting to be sent ------------------------------------------------------------
  var status = document.querySelector("[data-report-status]");
  var reportForm = document.querySelector("form[data-report-form]");
  var emergency = document.querySelector("[data-emergency]");
  var urgent = emergency ? emergency.getAttribute("data-urgent").split(" ") : [];

  function showEmergency(concerns) {
    if (!emergency || !concerns.some(function (concern) { return urgent.indexOf(concern) !== -1; })) { return; }
    if (emergency.hidden) {
      emergency.hidden = false;
      emergency.focus();
    }
  }

  function line(text, href) {
    var item = document.createElement("p");
    item.textContent = text + " ";
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = status.getAttribute("data-open");
      item.appendChild(link);
    }
    return item;
  }

  // Reports this page has seen sent stay said on it: the worker forgets them once shown.
  var sentHere = {};

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "reports" || !status) { return; }
    var here = window.location.pathname;
    var seen = [];
    var reports = data.reports.filter(function (report) { return !sentHere[report.path]; });
    status.replaceChildren();
    Object.keys(sentHere).forEach(function (path) { reports.push(sentHere[path]); });
    reports.forEach(function (report) {
      if (report.state === "waiting") {
        status.appendChild(line(status.getAttribute("data-waiting")));
        if (report.path === here) { showEmergency(report.concerns); }
      } else if (report.state === "sent") {
        status.appendChild(line(status.getAttribute("data-sent"), report.doneUrl));
        // The draft kept on the phone has left with the report.
        var visit = /\/visits\/(\d+)\/report\//.exec(report.path);
        if (visit) { try { window.localStorage.removeItem("liens-draft:report-" + visit[1]); } catch (e) { /* none */ } }
        if (!sentHere[report.path]) { seen.push(report.path); }
        sentHere[report.path] = report;
        if (report.path === here && emergency) {
          // The coordinator is alerted now: the line saying they will be is no longer true.
          emergency.querySelectorAll("[data-emergency-offline]").forEach(function (el) { el.hidden = true; });
        }
      } else {
        // Not taken (the form had a mistake, or the sign-in ended): the draft is still here.
        status.appendChild(line(status.getAttribute("data-failed"), report.path));
        if (report.path === here) { seen.push(report.path); }
      }
      if (reportForm && report.path === here) { reportForm.hidden = report.state !== "failed"; }
    });
    status.hidden = !status.childNodes.length;
    if (seen.length) { send({ type: "seen", paths: seen }); }
  });

  // An urgent concern ticked with no network: the numbers now, not once the report is sent.
  if (reportForm) {
    reportForm.addEventListener("change", function () {
      if (navigator.onLine !== false) { return; }
      var ticked = Array.prototype.filter.call(reportForm.elements, function (el) {
        return el.name === "concerns" && el.checked;
      }).map(function (el) { return el.value; });
      showEmergency(ticked);
    });
  }

  // --- the install hint ----------------------------------------------------------------------
  var hint = document.querySelector("[data-install-hint]");
  if (hint) {
    if (window.matchMedia("(display-mode: standalone)").matches || navigator.standalone) {
      hint.hidden = true;
    }
    var ios = /iphone|ipad|ipod/i.test(navigator.userAgent);
    hint.querySelectorAll("[data-install-how]").forEach(function (how) {
      how.hidden = how.getAttribute("data-install-how") !== (ios ? "ios" : "other");
    });
    var button = hint.querySelector("[data-install-button]");
    window.addEventListener("beforeinstallprompt", function (event) {
      event.preventDefault();
      button.hidden = false;
      hint.querySelectorAll("[data-install-how]").forEach(function (how) { how.hidden = true; });
      button.addEventListener("click", function () {
        event.prompt();
        event.userChoice.then(function () { button.hidden = true; });
      }, { once: true });
    });
    window.addEventListener("appinstalled", function () { hint.hidden = true; });
  }
  // --- notifications on this device (web push) -------------------------------------------------
  // The Notifications page holds the button (hidden until here): shown only where the browser can
  // receive push and the site has a VAPID key. The browser's subscription goes to the API, which
  // keeps one row per browser; the device list then shows it.
  var push = document.querySelector("[data-push]");
  if (push && push.getAttribute("data-push-key") && "PushManager" in window && "Notification" in window) {
    var pushButton = push.querySelector("[data-push-subscribe]");
    var listed = Array.prototype.map.call(document.querySelectorAll("[data-endpoint]"), function (el) {
      return el.getAttribute("data-endpoint");
    });

    var pushState = function (name) {
      push.querySelectorAll("[data-push-state]").forEach(function (el) {
        el.hidden = el.getAttribute("data-push-state") !== name;
      });
      pushButton.hidden = name === "on" || name === "denied";
    };

    // The VAPID public key, base64url, as the bytes PushManager.subscribe wants.
    var applicationServerKey = function () {
      var text = push.getAttribute("data-push-key").replace(/-/g, "+").replace(/_/g, "/");
      var raw = window.atob(text + "===".slice((text.length + 3) % 4));
      return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
    };

    var save = function (subscription) {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      return fetch(push.getAttribute("data-push-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify(subscription.toJSON())
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
      });
    };

    push.hidden = false;
    pushState(Notification.permission === "denied" ? "denied" : "off");
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (subscription && Notification.permission === "granted" && listed.indexOf(subscription.endpoint) !== -1) {
        pushState("on");
      }
      // Removing this very device: the browser forgets its subscription too.
      document.querySelectorAll("form[data-endpoint]").forEach(function (form) {
        form.addEventListener("submit", function () {
          if (subscription && form.getAttribute("data-endpoint") === subscription.endpoint) {
            subscription.unsubscribe().catch(function () {});
          }
        });
      });
    }).catch(function () {});

    pushButton.addEventListener("click", function () {
      pushButton.disabled = true;
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          pushState(permission === "denied" ? "denied" : "off");
          return null;
        }
        return navigator.serviceWorker.ready.then(function (registration) {
          return registration.pushManager.getSubscription().then(function (existing) {
            return existing || registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: applicationServerKey()
            });
          });
        }).then(save).then(function () {
          pushState("on");
          // The list of devices now holds this one.
          window.location.reload();
        });
      }).catch(function () {
        pushState("failed");
      }).then(function () { pushButton.disabled = false; });
    });
  }
})();
