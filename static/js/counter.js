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

  // A scanner types a whole number in a few milliseconds and presses Enter.
  // Scanned into a sale field (the next customer's card while this one's is
  // open), it would become a bill amount: send it to the find box instead.
  var SCAN_GAP_MS = 40;
  var SCAN_MIN_CHARS = 6;
  var burst = { field: null, text: "", last: 0 };

  function catchScan(event) {
    var field = event.target;
    if (!field.closest || !field.closest("#sale-form") || field.tagName !== "INPUT") return false;
    // Coupon codes are scanned too: they belong in their own field.
    if (field.hasAttribute("data-coupon")) return false;
    var now = window.performance.now();
    var quick = now - burst.last < SCAN_GAP_MS && burst.field === field;
    if (event.key.length === 1) {
      burst.text = quick ? burst.text + event.key : event.key;
      burst.field = field;
      burst.last = now;
      return false;
    }
    if (event.key !== "Enter" || !quick || burst.text.length < SCAN_MIN_CHARS) return false;
    var box = document.querySelector("#counter-find-form input[name=q]");
    if (!box || !window.htmx) return false;
    event.preventDefault();
    if (field.value.endsWith(burst.text)) {
      field.value = field.value.slice(0, field.value.length - burst.text.length);
    }
    box.value = burst.text;
    burst.text = "";
    window.htmx.trigger(box.form, "submit");
    return true;
  }

  // Enter in the coupon field (a scanner sends one) checks the coupon in the
  // quote and moves to the confirm button; a second Enter confirms.
  function checkCoupon(event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.hasAttribute || !field.hasAttribute("data-coupon")) return false;
    event.preventDefault();
    // The quote listens for this event rather than "change": a change fired by
    // Enter in the amount would send a quote alongside the sale it confirms.
    field.dispatchEvent(new Event("counter-quote", { bubbles: true }));
    var confirm = field.form && field.form.querySelector(".sale-confirm");
    if (confirm) confirm.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (catchScan(event) || checkCoupon(event)) return;
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

  // After an undo the cashier's next move is the next customer: the find box
  // gets the cursor (the Undo button that had it is gone), its old text selected.
  function focusFindAfterUndo(event) {
    if (!event.target || !event.target.querySelector || !event.target.querySelector("[data-undo-result]")) return;
    var box = document.querySelector("#counter-find-form input[name=q]");
    if (box) {
      box.focus();
      box.select();
    }
  }

  // A sale being sent makes any quote stale and must not race it on the server:
  // quotes (the delayed one of the last keystroke, Use the most allowed) wait out.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.closest || elt.id === "sale-form") return;
    var form = elt.closest("#sale-form");
    if (form && form.classList.contains("htmx-request")) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () { applyPaper(); });
  document.addEventListener("htmx:afterSettle", function (event) {
    applyPaper();
    focusFindAfterUndo(event);
  });
})();
