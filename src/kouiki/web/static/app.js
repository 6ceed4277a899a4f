// kouiki: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // htmx requests carry the CSRF token of the page (same as the hidden form field).
  document.addEventListener("htmx:configRequest", function (ev) {
    var field = document.querySelector("input[name=csrf_token]");
    if (field) { ev.detail.headers["X-CSRF-Token"] = field.value; }
  });
})();
