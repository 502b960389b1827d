// The counter's keyboard and printer: Esc starts over, the receipt prints on
// the paper this till uses (remembered per device).
(function () {
  "use strict";
  var PAPER_KEY = "loyalty.receiptPaper";

  function startOver() {
    var result = document.getElementById("counter-result");
    var form = document.getElementById("counter-find-form");
    if (!result || !form) {
      // The receipt page: Esc goes back to the counter.
      var page = document.querySelector("[data-counter-url]");
      if (page) window.location.assign(page.getAttribute("data-counter-url"));
      return;
    }
    result.innerHTML = "";
    form.reset();
    var box = form.querySelector("input[name=q]");
    box.value = "";
    box.focus();
  }

  function applyPaper(root) {
    var paper = window.localStorage.getItem(PAPER_KEY) || "paper-80";
    (root || document).querySelectorAll("[data-receipt]").forEach(function (receipt) {
      receipt.classList.remove("paper-80", "paper-a4");
      receipt.classList.add(paper);
    });
    (root || document).querySelectorAll("[data-receipt-paper]").forEach(function (select) {
      select.value = paper;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      startOver();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-counter-reset]")) {
      event.preventDefault();
      startOver();
    } else if (event.target.closest("[data-receipt-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-receipt-paper]")) {
      window.localStorage.setItem(PAPER_KEY, event.target.value);
      applyPaper();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { applyPaper(); });
  document.addEventListener("htmx:afterSettle", function () { applyPaper(); });
})();
