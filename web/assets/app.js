// tocsin web console: a little optional JavaScript. Every page works
// without it; this only refreshes the incident list and map in place and
// jumps from a lint problem to its line in the editor.
(function () {
  'use strict';

  // Live refresh: re-fetch the page and swap #live when the reader is not
  // in the middle of something (a focused field or a text selection).
  var live = document.getElementById('live');
  if (live) {
    var every = (parseInt(live.getAttribute('data-refresh'), 10) || 30) * 1000;
    setInterval(function () {
      if (document.hidden || String(window.getSelection()).length > 0) return;
      fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var next = new DOMParser().parseFromString(html, 'text/html').getElementById('live');
          if (next) live.replaceWith(next), live = next;
        })
        .catch(function () {});
    }, every);
  }

  // Lint problems: select the line in the YAML editor.
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-line]');
    var ta = document.getElementById('yaml');
    if (!a || !ta) return;
    var n = parseInt(a.getAttribute('data-line'), 10);
    var lines = ta.value.split('\n');
    var start = 0;
    for (var i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[n - 1] || '').length;
    ta.focus();
    ta.setSelectionRange(start, end);
    ta.scrollTop = Math.max(0, (n - 5) * (ta.scrollHeight / Math.max(lines.length, 1)));
  });
})();
