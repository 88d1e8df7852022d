// Staff lists update in place. Every form and link still works without this file: a POST
// redirects back to the item's anchor, a filter form reloads the page with its query.
// With it:
// - a form marked data-inplace="#id" is sent in the background and the element #id is
//   replaced by the answer (the item's own partial template, rendered by the same view);
// - a GET form or a link marked data-inplace-list="#id" replaces the list #id with the
//   answer and puts the new address in the history, so Back and a reload show the same list.
// Requests carry HX-Request: true, the header the views look for to answer with a partial.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.DOMParser) { return; }

  function swap(selector, html) {
    var old = document.querySelector(selector);
    if (!old) { return null; }
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector(selector) || doc.body.firstElementChild;
    if (!fresh) { return null; }
    old.replaceWith(fresh);
    return fresh;
  }

  function announce(el) {
    var status = el && el.querySelector("[data-inplace-focus]");
    if (status) { status.setAttribute("tabindex", "-1"); status.focus({ preventScroll: true }); }
  }

  function load(url, options, selector, push) {
    options.headers = { "HX-Request": "true" };
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      if (!response.ok && response.status !== 400) { throw new Error(response.status); }
      return response.text().then(function (html) {
        var fresh = swap(selector, html);
        if (!fresh) { throw new Error("nothing to swap"); }
        if (push) { history.pushState({ inplace: selector }, "", push); }
        announce(fresh);
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var item = form.getAttribute("data-inplace");
    var list = form.getAttribute("data-inplace-list");
    if (!item && !list) { return; }
    event.preventDefault();
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var done;
    if (list) {
      var query = new URLSearchParams(new FormData(form)).toString();
      var url = form.action.split("?")[0] + (query ? "?" + query : "");
      done = load(url, { method: "GET" }, list, url);
    } else {
      done = load(form.action, { method: "POST", body: new FormData(form) }, item, null);
    }
    done.catch(function () {
      buttons.forEach(function (b) { b.disabled = false; });
      form.submit();
    });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-inplace-list]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    var selector = link.getAttribute("data-inplace-list");
    load(link.href, { method: "GET" }, selector, link.href).then(function () {
      var top = document.querySelector(selector);
      if (top) { top.scrollIntoView({ block: "start" }); }
    }).catch(function () { window.location = link.href; });
  });

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.inplace) { window.location.reload(); }
  });
})();
