// "Copy link" on review pages: copies the review's permalink, its canonical public address,
// when the page is read on that site; elsewhere (`mkdocs serve`, a copy on another host, a
// site built without its real site_url) the address the reader is on, the one that opens.
// Added by script so readers without JavaScript never see a button that does nothing.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function copy(text, button) {
    var label = button.textContent;
    function done(ok) {
      button.textContent = ok ? "Link copied" : "Copy failed: " + text;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done(true); },
        function () { done(fallbackCopy(text)); }
      );
    } else {
      done(fallbackCopy(text));
    }
  }

  // The review header's details (topics, tags, paper, original post) fold on a phone, so the
  // review starts in the first screen; on a wide screen they are open from the start.
  function unfold() {
    if (!window.matchMedia || !window.matchMedia("(min-width: 60em)").matches) {
      return;
    }
    var folded = document.querySelectorAll(".postdocs-review-details:not([data-postdocs-seen])");
    Array.prototype.forEach.call(folded, function (details) {
      details.setAttribute("data-postdocs-seen", "");
      details.open = true;
    });
  }

  function setup() {
    unfold();
    var headers = document.querySelectorAll(".postdocs-review-header");
    Array.prototype.forEach.call(headers, function (header) {
      if (header.querySelector(".postdocs-copy-link")) {
        return;
      }
      // The canonical link is what MkDocs built for this page from `site_url` (Material keeps
      // it current on instant navigation); postdocs' data-permalink is the same address
      // unless the two ran with different site_url settings.
      var here = window.location.origin + window.location.pathname;
      var canonical = document.querySelector('link[rel="canonical"]');
      var url = (canonical && canonical.href) || header.getAttribute("data-permalink") || here;
      if (new URL(url, here).origin !== window.location.origin) {
        url = here;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-button postdocs-copy-link";
      button.textContent = "Copy link";
      button.setAttribute("data-permalink", url);
      button.setAttribute("aria-live", "polite");
      button.title = url;
      button.addEventListener("click", function () { copy(url, button); });
      header.appendChild(button);
    });
  }

  // Material replaces the page content on instant navigation and announces it on document$.
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
