/* postdocs: small fixes on top of Material, re-applied after every instant navigation.

   Math: typeset the math that pymdownx.arithmatex marked (generic mode: `\( … \)` in a span,
   `\[ … \]` in a div) with the bundled KaTeX, on the first load and after every instant
   navigation (Material's `document$` emits for both). A formula KaTeX cannot parse is shown
   as its source, never as a console error.

   Photos: open in a lightbox (GLightbox, bundled).

   KaTeX and GLightbox (~0.4 MB with their style sheets) are loaded only by a page that has
   math or photos: most reviews have neither, and a review opened from a shared link costs a
   reader only what it shows. */
(function () {
  "use strict";

  var script = document.currentScript;
  var vendor = script ? new URL("../vendor/", script.src) : null;  // assets/javascripts/ → …
  var loading = {};
  function need(name, files) {
    if (!loading[name]) {
      loading[name] = Promise.all(files.map(function (file) {
        return new Promise(function (resolve, reject) {
          var url = new URL(name + "/" + file, vendor).href;
          var el;
          if (/\.css$/.test(file)) {
            el = document.createElement("link");
            el.rel = "stylesheet";
            el.href = url;
          } else {
            el = document.createElement("script");
            el.src = url;
          }
          el.onload = resolve;
          el.onerror = reject;
          document.head.appendChild(el);
        });
      }));
    }
    return loading[name];
  }

  function strip(tex) {
    var t = tex.trim();
    if ((t.indexOf("\\(") === 0 && t.slice(-2) === "\\)") ||
        (t.indexOf("\\[") === 0 && t.slice(-2) === "\\]")) {
      return t.slice(2, -2);
    }
    return t;
  }

  function typeset(root) {
    var nodes = root.querySelectorAll(".arithmatex:not([data-postdocs-math])");
    if (!nodes.length) return;
    if (typeof katex === "undefined") {
      if (vendor) {
        need("katex", ["katex.min.css", "katex.min.js"]).then(function () { typeset(root); });
      }
      return;
    }
    Array.prototype.forEach.call(nodes, function (el) {
      typesetOne(el);
    });
    /* Math wider than its text column scrolls inside itself instead of widening the page
       (measured once all is typeset: one layout for the whole page). */
    var wide = Array.prototype.filter.call(nodes, function (el) {
      var column = el.closest(".md-typeset") || document.body;
      return el.getBoundingClientRect().width > column.clientWidth;
    });
    wide.forEach(function (el) { el.classList.add("postdocs-math-wide"); });
  }

  function typesetOne(el) {
    var display = el.tagName === "DIV";
    var tex = strip(el.textContent);
    el.setAttribute("data-postdocs-math", display ? "block" : "inline");
    el.setAttribute("dir", "ltr");
    /* Math is written by strangers: sizes capped (\rule{1000em}{1000em},
       \hspace{100000em}), macro expansion bounded, no \href/\url/\html… (trust). */
    katex.render(tex, el, {
      displayMode: display,
      throwOnError: false,
      strict: "ignore",
      output: "htmlAndMathml",
      maxSize: 10,
      maxExpand: 200,
      trust: false
    });
  }

  /* Material's search overlay has role="dialog" but no name; screen readers announce it
     as an unnamed dialog. Name it after its own input's label. */
  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    var input = document.querySelector(".md-search__input");
    if (dialog && input) dialog.setAttribute("aria-label", input.getAttribute("aria-label"));
  }

  /* Photos of Desktop exports are links to the full image with the class `glightbox`
     (render.py): with the bundled GLightbox they open in a lightbox, without JavaScript the
     link still opens the image. One lightbox, told about each new page's photos. */
  var lightbox = null;
  function lightboxes() {
    if (typeof GLightbox === "undefined") {
      if (vendor && document.querySelector(".glightbox")) {
        need("glightbox", ["glightbox.min.css", "glightbox.min.js"]).then(lightboxes);
      }
      return;
    }
    if (lightbox === null) {
      lightbox = GLightbox({
        selector: ".glightbox",
        touchNavigation: true,
        loop: false,
        zoomable: true,
        draggable: true,
        openEffect: "zoom",
        closeEffect: "zoom",
        slideEffect: "slide"
      });
    } else {
      lightbox.reload();
    }
  }

  function onPage() {
    typeset(document.body);
    nameSearchDialog();
    lightboxes();
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(onPage);
  } else {
    document.addEventListener("DOMContentLoaded", onPage);
  }
})();
