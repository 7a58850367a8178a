/* Typeset the math that pymdownx.arithmatex marked (generic mode: `\( … \)` in a span,
   `\[ … \]` in a div) with the bundled KaTeX, on the first load and after every instant
   navigation (Material's `document$` emits for both). A formula KaTeX cannot parse is shown
   as its source, never as a console error. */
(function () {
  "use strict";

  function strip(tex) {
    var t = tex.trim();
    if ((t.indexOf("\\(") === 0 && t.slice(-2) === "\\)") ||
        (t.indexOf("\\[") === 0 && t.slice(-2) === "\\]")) {
      return t.slice(2, -2);
    }
    return t;
  }

  function typeset(root) {
    if (typeof katex === "undefined") return;
    var nodes = root.querySelectorAll(".arithmatex:not([data-postdocs-math])");
    Array.prototype.forEach.call(nodes, function (el) {
      var display = el.tagName === "DIV";
      var tex = strip(el.textContent);
      el.setAttribute("data-postdocs-math", display ? "block" : "inline");
      el.setAttribute("dir", "ltr");
      katex.render(tex, el, {
        displayMode: display,
        throwOnError: false,
        strict: "ignore",
        output: "htmlAndMathml"
      });
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { typeset(document.body); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { typeset(document.body); });
  }
})();
