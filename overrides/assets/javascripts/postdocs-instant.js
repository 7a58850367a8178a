// Instant navigation without downloading the list of every page.
//
// Material's instant navigation follows a clicked link only if the site's sitemap.xml lists it,
// and downloads that file with the first page a reader opens: at 20,000 reviews, half a
// megabyte before the review a reader was sent. postdocs' sitemap.xml is a sitemap index (the
// pages are in sitemap-pages.xml, for search engines), so Material follows no link by itself;
// this script hands it the site's own page links instead, through the navigation stream
// Material exports for scripts (`location$`), as Material's own click handler does: the
// scroll position kept in history, the new address pushed, the page fetched and swapped in
// (Material reloads the page in full if the fetch fails). Where `location$` is missing
// (another theme version) or the click is not a plain one on a page of this site, nothing is
// done and the browser follows the link as usual.
(function () {
  "use strict";
  var stream = window.location$;
  var config = document.getElementById("__config");
  if (!stream || typeof stream.next !== "function" || !config || location.protocol === "file:") {
    return;
  }
  var settings;
  try { settings = JSON.parse(config.textContent); } catch (e) { return; }
  if ((settings.features || []).indexOf("navigation.instant") < 0) return;
  var root = new URL(settings.base, location.href);  // Material's base: the site's root

  function pageLink(ev) {
    if (ev.defaultPrevented || ev.button !== 0) return null;
    if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return null;
    var a = ev.target instanceof Element ? ev.target.closest("a[href]") : null;
    if (!a || a.target || a.hasAttribute("download")) return null;
    var url = new URL(a.href, location.href);
    if (url.origin !== root.origin || url.pathname.indexOf(root.pathname) !== 0) return null;
    if (!/(\/|\.html)$/.test(url.pathname)) return null;  // pages only: no feeds, files
    if (url.pathname === location.pathname) return null;  // the same page: the browser scrolls
    url.search = "";
    return url;
  }

  document.body.addEventListener("click", function (ev) {
    var url = pageLink(ev);
    if (!url) return;
    ev.preventDefault();
    history.replaceState({ x: Math.max(0, scrollX), y: Math.max(0, scrollY) }, "");
    history.pushState(null, "", url.href);
    stream.next(url);
  });
})();
