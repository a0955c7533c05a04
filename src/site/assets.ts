/**
 * The site's only stylesheet and scripts, as strings written to `assets/`. Scripts never use
 * `innerHTML`: they build nodes with `textContent`, so index data cannot become markup.
 */

/** `assets/site.css`: light and dark schemes, responsive layout, print style, highlight.js colours. */
export const SITE_CSS = `:root{--bg:#fff;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--link:#0b57d0;--accent:#1a7f37;--warn:#9a6700;--bad:#cf222e;--code:#f6f8fa;
--k:#cf222e;--s:#0a3069;--n:#0550ae;--c:#57606a;--t:#953800;--f:#8250df}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--soft:#161b22;--link:#6cb6ff;--accent:#3fb950;--warn:#d29922;--bad:#f85149;--code:#161b22;
--k:#ff7b72;--s:#a5d6ff;--n:#79c0ff;--c:#9da7b3;--t:#ffa657;--f:#d2a8ff}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem}
.skip:focus{left:.5rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
header.site nav{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem}
header.site ul{display:flex;flex-wrap:wrap;gap:.25rem .9rem;list-style:none;margin:0;padding:0}
.brand{font-weight:700;text-decoration:none;color:var(--fg)}
.brand span{font-weight:400;color:var(--muted);font-size:.9em}
[aria-current=page]{font-weight:700;text-decoration:none}
.site-search,.search-form{display:flex;gap:.4rem;flex-wrap:wrap;align-items:center}
input,select,button{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.3rem .5rem;min-height:2.2rem}
button,.button{cursor:pointer;background:var(--soft)}
.site-search input{width:14rem;max-width:60vw}
main{max-width:62rem;margin:0 auto;padding:1rem}
footer.site{border-top:1px solid var(--line);color:var(--muted);padding:1rem;text-align:center;font-size:.9rem}
h1{font-size:1.8rem;line-height:1.25;margin:.6rem 0}
h2{font-size:1.35rem;margin:1.6rem 0 .6rem}
h3{font-size:1.1rem}
.count{display:inline-block;min-width:1.6em;padding:0 .4em;border-radius:1em;background:var(--soft);border:1px solid var(--line);font-size:.8em;text-align:center;font-weight:400}
.summary,.tags,.cloud{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem .9rem}
.tags{display:inline-flex;gap:.3rem;margin:0}
.tags a,.cloud a{display:inline-block;padding:0 .45em;border:1px solid var(--line);border-radius:4px;text-decoration:none;font-size:.9em}
.actions{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
.button{display:inline-block;padding:.3rem .8rem;border:1px solid var(--line);border-radius:6px;text-decoration:none;font-weight:600}
.notice{border-left:4px solid var(--warn);background:var(--soft);padding:.5rem .8rem}
.none{color:var(--muted)}
.meta{display:block;color:var(--muted);font-size:.9rem}
.rfcs{list-style:none;padding:0;margin:0}
.rfcs>li{padding:.55rem 0;border-bottom:1px solid var(--line)}
.rfc .title{margin-right:.4rem}
.rfc .who{margin-right:1.2rem}
.rfcs .title{font-weight:600}
.rid{color:var(--muted);font-size:.85rem;white-space:nowrap}
.badge{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.8rem;border:1px solid currentColor;white-space:nowrap}
.s-active,.b-open{color:var(--accent)}.s-withdrawn,.b-deleted{color:var(--muted)}.warn{color:var(--warn)}
.filter{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem;border:1px solid var(--line);border-radius:8px;margin:1rem 0}
.filter label{font-weight:600}
.filter .f{display:inline-flex;gap:.4rem;align-items:center}
.ideas{margin:1rem 0}
.ideas summary{cursor:pointer;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid var(--line)}
.header th{width:9rem;color:var(--muted);font-weight:600}
.scroll{overflow-x:auto}
.toc{border:1px solid var(--line);border-radius:8px;padding:.4rem 1rem;margin:1rem 0;background:var(--soft)}
.toc h2{font-size:1rem;margin:.3rem 0}
.toc ol{margin:0;padding-left:1.2rem}
.toc .l1{margin-left:1rem}.toc .l2{margin-left:2rem}
.body{border-top:1px solid var(--line);margin-top:1rem;overflow-wrap:anywhere}
.body img{max-width:100%}
.body table{display:block;overflow-x:auto;width:max-content;max-width:100%}
.body th{background:var(--soft)}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:.1em .3em;border-radius:4px}
pre{background:var(--code);border:1px solid var(--line);border-radius:8px;padding:.8rem;overflow-x:auto;line-height:1.4}
pre code{padding:0;background:none}
blockquote{margin:0;padding:0 1rem;border-left:4px solid var(--line);color:var(--muted)}
.prs{padding-left:1.2rem}.prs li{margin:.4rem 0}
.problems>li{margin:.8rem 0}
.results li{margin:.6rem 0}
.hljs-keyword,.hljs-selector-tag,.hljs-built_in,.hljs-meta .hljs-keyword{color:var(--k)}
.hljs-string,.hljs-regexp,.hljs-addition,.hljs-attr .hljs-string{color:var(--s)}
.hljs-number,.hljs-literal,.hljs-symbol,.hljs-variable,.hljs-template-variable{color:var(--n)}
.hljs-comment,.hljs-quote,.hljs-meta{color:var(--c);font-style:italic}
.hljs-type,.hljs-class .hljs-title,.hljs-title.class_,.hljs-attr,.hljs-attribute{color:var(--t)}
.hljs-title,.hljs-title.function_,.hljs-section,.hljs-name,.hljs-selector-id,.hljs-selector-class{color:var(--f)}
.hljs-deletion{color:var(--bad)}
@media (max-width:40rem){main{padding:.75rem}h1{font-size:1.45rem}.header th{width:auto}.site-search{width:100%}.site-search input{flex:1;max-width:none}}
@media print{header.site,footer.site,.actions,.filter,.skip,.site-search,.crumbs{display:none}
body{font-size:11pt;color:#000;background:#fff}a{color:#000}.body a[href^="http"]::after{content:" <" attr(href) ">";font-size:.8em;color:#444}
pre,table,li{break-inside:avoid}main{max-width:none;padding:0}.toc{background:none}}
`;

/** `assets/icon.svg`: the favicon, so browsers do not ask the host for `/favicon.ico`. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1a7f37"/><path d="M4 4h8M4 8h8M4 12h5" stroke="#fff" stroke-width="2"/></svg>
`;

/** `assets/filter.js`: state/tag/owner filter on list pages, mirrored in the query string. */
export const FILTER_JS = `'use strict';
(function () {
  var form = document.getElementById('filter');
  if (!form) return;
  var fields = { state: 'f-state', tag: 'f-tag', owner: 'f-owner' };
  var rows = Array.prototype.slice.call(document.querySelectorAll('li.rfc'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('section.group'));
  var out = document.getElementById('f-count');
  function list(el, name) {
    try { var v = JSON.parse(el.getAttribute(name) || '[]'); return Array.isArray(v) ? v : []; } catch (e) { return []; }
  }
  function value(key) { return document.getElementById(fields[key]).value; }
  function apply() {
    var s = value('state'), t = value('tag'), o = value('owner'), shown = 0;
    rows.forEach(function (li) {
      var ok = (!s || li.getAttribute('data-state') === s) &&
        (!t || list(li, 'data-tags').indexOf(t) >= 0) &&
        (!o || list(li, 'data-owners').indexOf(o) >= 0);
      li.hidden = !ok;
      if (ok) shown++;
    });
    groups.forEach(function (g) {
      var n = g.querySelectorAll('li.rfc:not([hidden])').length;
      g.hidden = n === 0;
      var c = g.querySelector('.count');
      if (c) c.textContent = String(n);
    });
    out.textContent = shown + ' of ' + rows.length + ' shown';
    var q = [];
    Object.keys(fields).forEach(function (k) { var v = value(k); if (v) q.push(k + '=' + encodeURIComponent(v)); });
    try { history.replaceState(null, '', q.length ? '?' + q.join('&') : location.pathname); } catch (e) { /* file:// may refuse */ }
  }
  var params = new URLSearchParams(location.search);
  Object.keys(fields).forEach(function (k) {
    var el = document.getElementById(fields[k]);
    var want = params.get(k);
    if (want !== null) {
      for (var i = 0; i < el.options.length; i++) if (el.options[i].value === want) el.value = want;
    }
    el.addEventListener('change', apply);
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  form.hidden = false;
  apply();
})();
`;

/** `assets/search.js`: full-text search over `window.RFC_SEARCH` (loaded from `assets/search-index.js`). */
export const SEARCH_JS = `'use strict';
(function () {
  var data = window.RFC_SEARCH;
  var input = document.getElementById('q');
  var status = document.getElementById('search-status');
  var results = document.getElementById('results');
  if (!data || !input || !status || !results) return;
  var F = data.fields;
  var docs = data.docs.map(function (d) {
    return { d: d, head: (d[F.title] + ' ' + d[F.slug] + ' ' + d[F.tags].join(' ') + ' ' + d[F.people].join(' ')).toLowerCase(), words: ' ' + d[F.words] + ' ' };
  });
  function terms(q) {
    return q.toLowerCase().split(/[^\\p{L}\\p{N}_'-]+/u).filter(function (t) { return t.length > 0; });
  }
  function score(doc, ts) {
    var s = 0;
    for (var i = 0; i < ts.length; i++) {
      var t = ts[i];
      if (doc.head.indexOf(t) >= 0) s += 10;
      else if (doc.words.indexOf(' ' + t) >= 0 || doc.words.indexOf('-' + t) >= 0 || doc.words.indexOf('_' + t) >= 0) s += 1;
      else return 0;
    }
    return s;
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
  function run(q) {
    var ts = terms(q);
    while (results.firstChild) results.removeChild(results.firstChild);
    if (!ts.length) { status.textContent = 'Type a word to search ' + docs.length + ' RFCs.'; return; }
    var hits = [];
    for (var i = 0; i < docs.length; i++) { var s = score(docs[i], ts); if (s) hits.push([s, i]); }
    hits.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    status.textContent = hits.length + (hits.length === 1 ? ' RFC matches' : ' RFCs match') + ' \\u201c' + q + '\\u201d.';
    hits.slice(0, 200).forEach(function (h) {
      var d = docs[h[1]].d;
      var li = el('li');
      var a = el('a', 'title', d[F.title]);
      a.setAttribute('href', d[F.path]);
      li.appendChild(a);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(el('span', 'badge', d[F.state]));
      if (d[F.id] !== null) li.appendChild(el('span', 'rid', ' RFC ' + String(d[F.id]).padStart(4, '0')));
      if (d[F.tags].length) li.appendChild(el('span', 'meta', 'Tags: ' + d[F.tags].join(', ')));
      results.appendChild(li);
    });
  }
  var q = new URLSearchParams(location.search).get('q') || '';
  input.value = q;
  var site = document.getElementById('site-q');
  if (site) site.value = q;
  run(q);
  input.addEventListener('input', function () { run(input.value); });
  input.form.addEventListener('submit', function (e) {
    e.preventDefault();
    run(input.value);
    try { history.replaceState(null, '', '?q=' + encodeURIComponent(input.value)); } catch (err) { /* file:// may refuse */ }
  });
})();
`;
