// The ticket page: fetch the LLM's rewrite of the handoff brief once the page has loaded,
// so the page never waits for the LLM. Served from /static: the Content-Security-Policy
// allows no inline script (nor inline style: the fragment is styled by baton.css).
window.addEventListener("load", function () {
  var box = document.getElementById("brief-rewrite");
  if (!box) { return; }
  fetch(box.dataset.src, {credentials: "same-origin", headers: {"Accept": "text/html"}})
    .then(function (response) { return response.text(); })
    .then(function (html) { if (html.trim()) { box.innerHTML = html; } else { box.remove(); } })
    .catch(function () {
      box.innerHTML = '<p class="muted rewrite-problem">The rewrite could not be fetched; the brief above is complete.</p>';
    });
});
