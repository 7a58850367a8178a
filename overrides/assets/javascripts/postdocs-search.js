// The site's search box (overrides/partials/postdocs-search.html) with Pagefind behind it.
//
// Nothing of Pagefind loads until the reader focuses the box, opens it, or presses `/` or `s`.
// Pagefind keeps one index per language (from each page's <html lang>): a query in Hebrew
// letters asks the Hebrew index, one in Cyrillic the Russian index, anything else (English
// terms: PPO, Mamba) every index; results of several are merged by score. Keys: `/` or `s`
// opens and focuses, arrows move through the results, Enter opens one, Esc closes. Results are
// links, so Material's instant navigation follows them. Everything shown comes from the index
// as text (titles, metadata) or as text with <mark> (the excerpt, rebuilt node by node).
(function () {
  "use strict";
  var box = document.querySelector("[data-postdocs-search]");
  if (!box) return;
  // Resolved once: the header is not swapped by instant navigation, its relative URLs are.
  var bundle = new URL(box.getAttribute("data-bundle"), location.href);
  var root = new URL(box.getAttribute("data-root"), location.href);
  var toggle = document.getElementById("__search");
  var input = box.querySelector("input.md-search__input");
  var form = box.querySelector("form");
  var meta = box.querySelector(".md-search-result__meta");
  var list = box.querySelector(".md-search-result__list");
  var filtersBox = box.querySelector(".postdocs-search-filters");
  var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-filter]"));
  var PAGE = 10;
  var RTL = { he: true, ar: true, fa: true, yi: true };
  var LANGUAGE_NAMES = { en: "English", ru: "Russian", he: "Hebrew" };

  var loading = null;  // Promise of the index's languages
  var instances = {};  // language → Promise of its Pagefind instance
  var generation = 0;
  var queue = [];     // results of the current query not shown yet, best first
  var held = [];      // pages other than reviews met in `queue`, shown after the reviews

  // One Pagefind module per language (a copy by URL: the module keeps one WebAssembly
  // instance, and each language's index needs its own, with its stemmer), made when a query
  // first needs that language. A language's index comes in shards (postdocs-index.json lists
  // them, search_index.py makes them): the first is the instance, the others are merged into
  // it, so one search ranks the pages of all of them together.
  function instance(lang, shards) {
    if (instances[lang]) return instances[lang];
    var first = new URL(shards[0] + "/", bundle);
    var url = new URL("pagefind.js", first);
    url.search = "?lang=" + encodeURIComponent(lang);
    instances[lang] = import(url.href).then(function (pagefind) {
      var html = document.documentElement;
      var was = html.getAttribute("lang");
      html.setAttribute("lang", lang);  // Pagefind takes the language from <html lang>
      var pf;
      try {
        pf = pagefind.createInstance({
          basePath: first.pathname, baseUrl: root.pathname, excerptLength: 24, noWorker: true,
        });
      } finally {
        if (was === null) html.removeAttribute("lang"); else html.setAttribute("lang", was);
      }
      return Promise.all(shards.slice(1).map(function (shard) {
        return pf.mergeIndex(new URL(shard + "/", bundle).pathname, { language: lang });
      })).then(function () { return pf; });
    });
    return instances[lang];
  }

  // The languages and their shards (postdocs-index.json) and the filter values
  // (postdocs-filters.json), both made with the index: two small files, fetched when the
  // reader first opens the search.
  function load() {
    if (loading) return loading;
    loading = Promise.all([
      fetch(new URL("postdocs-index.json", bundle)).then(function (r) { return r.json(); }),
      fetch(new URL("postdocs-filters.json", bundle)).then(function (r) { return r.json(); }),
    ]).then(function (got) {
      fillFilters(got[1]);
      return got[0].languages || {};
    });
    loading.catch(function () {
      loading = null;
      meta.textContent = "Search is not available: the search index was not found.";
    });
    return loading;
  }

  function fillFilters(values) {
    selects.forEach(function (select) {
      var key = select.getAttribute("data-filter");
      (values[key] || []).forEach(function (pair) {
        var option = document.createElement("option");
        option.value = pair[0];
        option.textContent = pair[0] + " (" + pair[1] + ")";
        select.appendChild(option);
      });
    });
    filtersBox.hidden = false;
  }

  function chosenFilters() {
    var filters = {};
    selects.forEach(function (select) {
      if (select.value) filters[select.getAttribute("data-filter")] = select.value;
    });
    return filters;
  }

  function languagesFor(query, langs, filters) {
    var names = {};
    langs.forEach(function (l) { names[LANGUAGE_NAMES[l] || l] = l; });
    if (filters.language && names[filters.language]) return [names[filters.language]];
    if (/[\u0590-\u05FF]/.test(query) && langs.indexOf("he") >= 0) return ["he"];
    if (/[\u0400-\u04FF]/.test(query) && langs.indexOf("ru") >= 0) return ["ru"];
    return langs;
  }

  function run() {
    var query = input.value.trim();
    var filters = chosenFilters();
    var mine = ++generation;
    if (!query && !Object.keys(filters).length) {
      list.textContent = "";
      queue = [];
      held = [];
      meta.textContent = "Type to search reviews in English, Russian and Hebrew";
      box.setAttribute("data-shown", "");
      return;
    }
    load().then(function (index) {
      var langs = languagesFor(query, Object.keys(index).sort(), filters);
      return Promise.all(langs.map(function (l) {
        return instance(l, index[l].shards).then(function (pf) {
          return pf.search(query || null, { filters: filters });
        }).then(function (found) {
          var results = (found && found.results) || [];
          results.forEach(function (r) { r.postdocsLang = l; });
          return results;
        });
      }));
    }).then(function (searches) {
      if (mine !== generation) return;
      var results = [];
      searches.forEach(function (s) { results = results.concat(s); });
      results.sort(function (a, b) { return b.score - a.score; });
      queue = results;
      held = [];
      return more(mine, function () {  // the old results stay until the new ones are ready
        list.textContent = "";
        meta.textContent = results.length === 0 ? "No matching reviews"
          : results.length === 1 ? "1 matching page" : results.length + " matching pages";
      }).then(function () {
        if (mine === generation) box.setAttribute("data-shown", query);  // for tests, bench
      });
    });
  }

  // Reviews are shown above the other pages a query finds (topic and channel pages, home …),
  // by score within each. Whether a result is a review is in its fragment (the filter `kind`
  // only reviews have), which is loaded anyway to show it: fragments are loaded in score order
  // until a batch of reviews is ready, and the other pages met on the way wait until the
  // reviews run out. (Asking Pagefind for reviews only would load the `kind` filter's chunk,
  // which lists every review: tens of kB at 20,000 reviews, for every first query.)
  function nextBatch(mine) {
    var batch = [];
    function step() {
      if (mine !== generation) return Promise.resolve(batch);
      if (batch.length >= PAGE || !queue.length) {
        while (batch.length < PAGE && held.length) batch.push(held.shift());
        return Promise.resolve(batch);
      }
      var take = queue.splice(0, PAGE - batch.length);
      return Promise.all(take.map(function (r) {
        return r.data().then(function (d) { d.postdocsLang = r.postdocsLang; return d; });
      })).then(function (data) {
        data.forEach(function (d) {
          var kinds = (d.filters && d.filters.kind) || [];
          (kinds.indexOf("review") >= 0 ? batch : held).push(d);
        });
        return step();
      });
    }
    return step();
  }

  function more(mine, first) {
    return nextBatch(mine).then(function (data) {
      if (mine !== generation) return;
      if (first) first();
      var old = list.querySelector(".postdocs-search-more");
      if (old) old.remove();
      data.forEach(function (d) { list.appendChild(item(d)); });
      var left = queue.length + held.length;
      if (left) {
        var li = document.createElement("li");
        li.className = "md-search-result__item postdocs-search-more";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "md-search-result__more";
        button.textContent = "Show more (" + left + ")";
        button.addEventListener("click", function () { more(mine); });
        li.appendChild(button);
        list.appendChild(li);
      }
    });
  }

  // Pagefind's excerpt is the page's text with <mark> around matches: copied as text and marks.
  function excerptNodes(html, into) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    (function copy(from, to) {
      Array.prototype.forEach.call(from.childNodes, function (node) {
        if (node.nodeType === 3) {  // without the headings' permalink signs
          to.appendChild(document.createTextNode(node.nodeValue.replace(/\s*¶/g, "")));
        }
        else if (node.nodeType === 1) {
          var target = to;
          if (node.nodeName === "MARK") {
            target = document.createElement("mark");
            to.appendChild(target);
          }
          copy(node, target);
        }
      });
    })(doc.body, into);
  }

  function item(d) {
    var m = d.meta || {};
    var lang = d.postdocsLang || "";
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    if (lang) {
      li.setAttribute("lang", lang);
      li.setAttribute("dir", RTL[lang.split("-")[0]] ? "rtl" : "ltr");
    }
    var a = document.createElement("a");
    a.className = "md-search-result__link";
    a.href = d.url;
    a.tabIndex = -1;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var h = document.createElement("h1");
    h.setAttribute("dir", "auto");
    h.textContent = (m.title || d.url).replace(/\s*¶$/, "");
    article.appendChild(h);
    var facts = [m.channel, m.date, m.language, m.topics].filter(Boolean);
    if (facts.length) {
      var p = document.createElement("p");
      p.className = "postdocs-search-facts";
      p.setAttribute("dir", "ltr");
      p.setAttribute("lang", "en");
      p.textContent = facts.join(" · ");
      article.appendChild(p);
    }
    var teaser = document.createElement("p");
    teaser.className = "md-search-result__teaser";
    excerptNodes(d.excerpt || "", teaser);
    article.appendChild(teaser);
    a.appendChild(article);
    li.appendChild(a);
    return li;
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a.md-search-result__link"));
  }

  function open() {
    if (!toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
  }

  function close() {
    if (toggle.checked) {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
    }
    if (box.contains(document.activeElement)) document.activeElement.blur();
  }

  function typing(target) {  // a field where `/` and `s` are text (not a checkbox or radio)
    if (!target) return false;
    if (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName)) return true;
    return target.tagName === "INPUT" &&
      !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/.test(target.type);
  }

  var timer = null;
  input.addEventListener("focus", function () { open(); load(); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 50);
  });
  selects.forEach(function (s) { s.addEventListener("change", run); });
  toggle.addEventListener("change", function () {
    if (toggle.checked) {
      load();
      if (document.activeElement !== input) setTimeout(function () { input.focus(); }, 0);
    }
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.addEventListener("reset", function () {
    setTimeout(function () { run(); input.focus(); }, 0);
  });
  list.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("a.md-search-result__link")) close();
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var inBox = box.contains(ev.target);
    if (!inBox) {
      if ((ev.key === "/" || ev.key === "s" || ev.key === "S") && !typing(ev.target)) {
        ev.preventDefault();
        open();
        input.focus();
        input.select();
      } else if (ev.key === "Escape" && toggle.checked) {
        close();
      }
      return;
    }
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!all.length || ev.target.tagName === "SELECT") return;
      ev.preventDefault();
      var next = ev.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) input.focus();
      else all[Math.min(next, all.length - 1)].focus();
    } else if (ev.key === "Enter" && ev.target === input) {
      ev.preventDefault();
      if (all.length) all[0].click();
    }
  }, true);
})();
