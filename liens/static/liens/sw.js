// The service worker of Liens, served at /sw.js by liens.pwa.service_worker, which puts its
// settings in self.LIENS above this line (static files to keep, the offline page, the header
// that marks a page the phone may keep, the list of those pages, a version).
//
// What it does, and nothing more:
// - keeps the layout (stylesheet, scripts, icons) and a page for "not kept offline";
// - for each page opened: the network first; a copy is kept only when the server marks the page
//   (header LIENS.offlineHeader, naming the user) and dropped on any other answer, so a page
//   whose right has ended (403, 404, a page without the mark) leaves the phone at once;
// - at each page opened online, asks the server which pages the phone may keep and drops the
//   rest (a match ended while offline), then fetches the missing ones;
// - keeps copies under one user's name only: another user's copies are deleted first;
// - a visit report sent without network is queued here (IndexedDB) and sent when the network
//   returns (Background Sync where the browser has it, else the next page opened or the
//   "online" event); the server takes one report per visit and answers a second send with
//   the report already received, so a report is recorded once however often it is sent;
// - shows a notification for each push message (liens.outbox.channels.PushChannel: title, body,
//   url, tag) and, when it is tapped, brings forward a Liens window on that page or opens one.
"use strict";

var CONFIG = self.LIENS;
var SHELL = "liens-shell-" + CONFIG.version;
var PAGES = "liens-pages-";
var KEPT_AT = "Liens-Kept-At";
var WEEK = 7 * 24 * 3600 * 1000;
var REPORT = /^\/volunteer\/visits\/\d+\/report\/$/;
var REPORT_DONE = /^\/volunteer\/visits\/\d+\/report\/done\/$/;
var SYNC_TAG = "liens-reports";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) {
      return cache.addAll(CONFIG.shell.concat([CONFIG.offlinePage]));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("liens-shell-") === 0 && name !== SHELL;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && request.mode === "navigate" && REPORT.test(url.pathname)) {
    event.respondWith(reportSend(request, url));
  } else if (request.method === "GET" && request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (request.method === "GET" && CONFIG.shell.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request, { cacheName: SHELL }).then(function (kept) {
      return kept || fetch(request);
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) { event.waitUntil(flush()); }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var done;
  if (data.type === "page") {
    // A page the server has just sent names its user: keep only that user's copies (none for
    // a visitor), then bring the list up to date and send what waits.
    language = data.language || language;
    done = (data.user ? own(data.user) : forgetAll()).then(function () {
      // A visitor has nothing kept and nothing to send.
      return data.online && data.user ? Promise.all([refresh(), flush()]) : null;
    });
  } else if (data.type === "clear") {
    done = Promise.all([forgetAll(), queueClear()]);
  } else if (data.type === "flush") {
    done = flushRetrying(FLUSH_ATTEMPTS);
  } else if (data.type === "seen") {
    done = queueDelete(data.paths || []);
  } else if (data.type === "status") {
    done = Promise.resolve();
  }
  if (done) {
    event.waitUntil(done.catch(function () {}).then(function () { return tell(event.source); }));
  }
});

// --- notifications (web push) -----------------------------------------------------------------

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data.text() }; }
  var icon = CONFIG.shell.filter(function (path) { return /icon-192/.test(path); })[0];
  event.waitUntil(self.registration.showNotification(data.title || "Liens", {
    body: data.body || "",
    icon: icon,
    badge: icon,
    lang: data.lang || "",
    // The same message twice replaces the first, never stacks.
    tag: data.tag || "",
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  // Only the site's own pages: the message's path, on this origin, never another site.
  var asked = new URL((event.notification.data || {}).url || "/", self.location.origin);
  var target = new URL(asked.pathname + asked.search, self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
    var same = clients.filter(function (client) { return client.url === target.href; })[0];
    if (same) { return same.focus(); }
    var any = clients[0];
    if (any && "navigate" in any) {
      return any.navigate(target.href).then(function (client) { return (client || any).focus(); });
    }
    return self.clients.openWindow(target.href);
  }));
});

// --- pages -----------------------------------------------------------------------------------

// The language of the pages the user reads: the pages fetched here, with no page asking, are
// fetched in it too (the page on screen tells it; a worker's own requests may carry another).
var language = "";
var offlineLanguage = null;

// Never following a redirect: a page fetched ahead that sends elsewhere is not kept, and the
// worker must not open a page nobody asked for (a sign-in or set-up page has effects).
function fetchAhead(path) {
  var headers = language ? { "Accept-Language": language } : {};
  return fetch(path, { credentials: "same-origin", headers: headers, redirect: "manual" });
}

function pageKey(url) { return url.origin + url.pathname; }

function page(request, url) {
  return fetch(request).then(function (response) {
    return keepOrForget(url, response).then(function () { return response; });
  }, function () {
    return keptCopy(url).then(function (copy) {
      return copy || caches.match(CONFIG.offlinePage, { cacheName: SHELL }).then(function (offline) {
        return offline || Response.error();
      });
    });
  });
}

// The server's answer decides: a marked page is kept (under its user's name), any other
// answer but a server failure drops the copy.
function keepOrForget(url, response) {
  var user = response.headers.get(CONFIG.offlineHeader);
  if (response.status === 200 && user) {
    return own(user).then(function () {
      return response.clone().blob();
    }).then(function (body) {
      var headers = new Headers(response.headers);
      headers.set(KEPT_AT, String(Date.now()));
      var copy = new Response(body, { status: 200, statusText: response.statusText, headers: headers });
      return caches.open(PAGES + user).then(function (cache) { return cache.put(pageKey(url), copy); });
    });
  }
  if (response.type === "opaqueredirect" || response.status < 500) { return forget([pageKey(url)]); }
  return Promise.resolve();
}

function pageCaches() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(PAGES) === 0; });
  });
}

function own(user) {
  return pageCaches().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== PAGES + user; })
      .map(function (name) { return caches.delete(name); }));
  });
}

function forgetAll() {
  return pageCaches().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  });
}

function forget(keys) {
  return pageCaches().then(function (names) {
    return Promise.all(names.map(function (name) {
      return caches.open(name).then(function (cache) {
        return Promise.all(keys.map(function (key) { return cache.delete(key); }));
      });
    }));
  });
}

function keptCopy(url) {
  return pageCaches().then(function (names) {
    if (!names.length) { return null; }
    return caches.open(names[0]).then(function (cache) {
      return cache.match(pageKey(url)).then(function (copy) {
        if (copy && Date.now() - Number(copy.headers.get(KEPT_AT)) > WEEK) {
          return cache.delete(pageKey(url)).then(function () { return null; });
        }
        return copy || null;
      });
    });
  });
}

var refreshing = null;
function refresh() {
  if (!refreshing) {
    refreshing = refreshNow().catch(function () {}).then(function () { refreshing = null; });
  }
  return refreshing;
}

function refreshNow() {
  return fetch(CONFIG.offlineList, { credentials: "same-origin", cache: "no-store", redirect: "manual" }).then(function (response) {
    if (!response.ok) { throw new Error("offline list: " + response.status); }
    return response.json();
  }).then(function (list) {
    if (!list.user) { return forgetAll(); }
    // The page shown for a page not kept, in the user's language (again when it changes).
    var offline = offlineLanguage === language ? null : fetchAhead(CONFIG.offlinePage).then(function (response) {
      if (!response.ok) { return null; }
      offlineLanguage = language;
      return caches.open(SHELL).then(function (cache) { return cache.put(CONFIG.offlinePage, response); });
    });
    var allowed = list.pages.map(function (path) { return self.location.origin + path; });
    return own(list.user).then(function () { return caches.open(PAGES + list.user); }).then(function (cache) {
      return cache.keys().then(function (kept) {
        var keptUrls = kept.map(function (request) { return request.url; });
        var stale = keptUrls.filter(function (key) { return allowed.indexOf(key) === -1; });
        var missing = allowed.filter(function (key) { return keptUrls.indexOf(key) === -1; });
        return Promise.all([offline, forget(stale)]).then(function () {
          // One at a time: a phone on a weak signal, and pages that each log a reading.
          return missing.reduce(function (previous, key) {
            return previous.then(function () {
              return fetchAhead(key).then(function (response) {
                return keepOrForget(new URL(key), response);
              });
            });
          }, Promise.resolve());
        });
      });
    });
  });
}

// --- reports waiting to be sent --------------------------------------------------------------

function reportSend(request, url) {
  return request.clone().text().then(function (body) {
    return fetch(request).catch(function () {
      var entry = {
        path: url.pathname,
        body: body,
        concerns: new URLSearchParams(body).getAll("concerns"),
        state: "waiting",
        queuedAt: Date.now()
      };
      return queuePut(entry).then(function () {
        return self.registration.sync ? self.registration.sync.register(SYNC_TAG).catch(function () {}) : null;
      }).then(function () {
        broadcast();
        return Response.redirect(url.pathname + "?queued=1", 303);
      });
    });
  });
}

var flushing = null;
function flush() {
  if (!flushing) {
    flushing = flushNow().then(function () { flushing = null; }, function (error) {
      flushing = null;
      throw error;
    });
  }
  return flushing;
}

// The page says the network is back, but the worker's own view of it can lag behind the page's
// by a moment on a busy phone: a first send then fails as if still offline, and Background Sync
// would only try again minutes later. So a failed flush is tried again, a second apart, a few
// times. Sending twice is harmless: only reports still waiting are sent, one flush at a time.
var FLUSH_ATTEMPTS = 5;
function flushRetrying(attempts) {
  return flush().catch(function (error) {
    if (attempts <= 1) { throw error; }
    return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
      return flushRetrying(attempts - 1);
    });
  });
}

// Sends each waiting report once, in turn; a network failure stops there and rejects, so that
// Background Sync tries again later. The report page's answer tells how it went: the
// "report sent" page (this send, or one before it that was received) or the form again.
function flushNow() {
  return queueAll().then(function (entries) {
    var waiting = entries.filter(function (entry) { return entry.state === "waiting"; });
    return waiting.reduce(function (previous, entry) {
      return previous.then(function () {
        return fetch(entry.path, {
          method: "POST",
          body: entry.body,
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          credentials: "same-origin",
          redirect: "follow"
        }).then(function (response) {
          var sent = response.ok && REPORT_DONE.test(new URL(response.url).pathname);
          entry.state = sent ? "sent" : "failed";
          entry.doneUrl = sent ? new URL(response.url).pathname : entry.path;
          return queuePut(entry).then(function () {
            return sent ? forget([self.location.origin + entry.path]) : null;
          });
        });
      });
    }, Promise.resolve());
  }).then(broadcast, function (error) {
    broadcast();
    throw error;
  });
}

function summary() {
  return queueAll().then(function (entries) {
    return entries.map(function (entry) {
      return { path: entry.path, state: entry.state, concerns: entry.concerns, doneUrl: entry.doneUrl || "" };
    });
  });
}

function tell(client) {
  if (!client) { return null; }
  return summary().then(function (reports) { client.postMessage({ type: "reports", reports: reports }); });
}

function broadcast() {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    return Promise.all(clients.map(tell));
  });
}

// --- IndexedDB, one store of reports keyed by the form's path (one report per visit) ---------

function db() {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open("liens", 1);
    open.onupgradeneeded = function () { open.result.createObjectStore("reports", { keyPath: "path" }); };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
}

function store(mode, work) {
  return db().then(function (database) {
    return new Promise(function (resolve, reject) {
      var transaction = database.transaction("reports", mode);
      var result = work(transaction.objectStore("reports"));
      transaction.oncomplete = function () { database.close(); resolve(result && result.result); };
      transaction.onerror = function () { database.close(); reject(transaction.error); };
    });
  });
}

function queueAll() { return store("readonly", function (reports) { return reports.getAll(); }); }
function queuePut(entry) { return store("readwrite", function (reports) { reports.put(entry); }); }
function queueClear() { return store("readwrite", function (reports) { reports.clear(); }); }
function queueDelete(paths) {
  return store("readwrite", function (reports) {
    paths.forEach(function (path) { reports.delete(path); });
  });
}
