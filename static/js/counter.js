// The counter's keyboard: Esc starts over from any field.
(function () {
  "use strict";

  function startOver() {
    var result = document.getElementById("counter-result");
    var form = document.getElementById("counter-find-form");
    if (!result || !form) return;
    result.innerHTML = "";
    form.reset();
    var box = form.querySelector("input[name=q]");
    box.value = "";
    box.focus();
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
    }
  });
})();
