"use strict";
// Filters and search over the test cards.  The view is kept in the address's fragment, so a link such as
// report.html#show=failed&kind=steps&q=refund (or just #failed) opens the page filtered.
(function () {
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-show]"));
  var kind = document.getElementById("kind");
  var search = document.getElementById("search");
  var shownNote = document.getElementById("shown");
  if (!kind || !search) {
    return;
  }
  var views = buttons.map(function (button) { return button.getAttribute("data-show"); });
  var show = "all";

  function matches(card, query) {
    var status = card.getAttribute("data-status");
    var wanted = show === "all" || (show === "unstable" ? card.getAttribute("data-unstable") === "1"
      : show === "failed" ? status === "failed" || status === "error" : status === show);
    var kinds = (card.getAttribute("data-kinds") || "").split(" ");
    return wanted && (!kind.value || kinds.indexOf(kind.value) >= 0)
      && (!query || card.textContent.toLowerCase().indexOf(query) >= 0);
  }

  function apply(remember) {
    var query = search.value.trim().toLowerCase();
    var count = 0;
    cards.forEach(function (card) {
      var visible = matches(card, query);
      card.hidden = !visible;
      count += visible ? 1 : 0;
    });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-show") === show));
    });
    shownNote.textContent = count + " of " + cards.length + " shown";
    if (remember) {
      var params = new URLSearchParams();
      if (show !== "all") { params.set("show", show); }
      if (kind.value) { params.set("kind", kind.value); }
      if (query) { params.set("q", search.value.trim()); }
      var fragment = params.toString();
      try {
        history.replaceState(null, "", fragment ? "#" + fragment : location.pathname + location.search);
      } catch (error) { /* some browsers refuse it for local files: the filter still applies */ }
    }
  }

  function fromFragment() {
    var fragment = decodeURIComponent(location.hash.slice(1));
    var target = document.getElementById(fragment);
    if (target && target.classList.contains("card")) {  // a link to one card: show every card, open that one
      show = "all"; kind.value = ""; search.value = "";
      apply(false);
      target.open = true;
      return;
    }
    var params = new URLSearchParams(fragment.indexOf("=") >= 0 ? fragment : "show=" + fragment);
    show = views.indexOf(params.get("show")) >= 0 ? params.get("show") : "all";
    var wantedKind = params.get("kind") || "";
    kind.value = Array.prototype.some.call(kind.options, function (o) { return o.value === wantedKind; })
      ? wantedKind : "";
    search.value = params.get("q") || "";
    apply(false);
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { show = button.getAttribute("data-show"); apply(true); });
  });
  kind.addEventListener("change", function () { apply(true); });
  search.addEventListener("input", function () { apply(true); });
  document.getElementById("expand").addEventListener("click", function () {
    cards.forEach(function (card) { if (!card.hidden) { card.open = true; } });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    cards.forEach(function (card) { card.open = false; });
  });
  window.addEventListener("hashchange", fromFragment);
  fromFragment();
}());
