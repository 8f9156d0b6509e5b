// Sign-in and sign-out forms (data-auth-post="/auth/...") post to the chat backend's sign-in API
// with fetch, so the session cookie it sets is HttpOnly and the password never enters page state.
(function () {
  function show(form, code, seconds) {
    form.querySelectorAll("[data-auth-code]").forEach(function (el) { el.hidden = true; });
    var el = form.querySelector('[data-auth-code="' + code + '"]') || form.querySelector('[data-auth-code="network"]');
    if (!el) return;
    var s = el.querySelector("[data-auth-seconds]");
    if (s) s.textContent = String(seconds || "");
    el.hidden = false;
  }

  async function post(form) {
    var body = new URLSearchParams(new FormData(form));
    var next = new URLSearchParams(window.location.search).get("next");
    if (next) body.set("next", next);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      var res = await fetch(form.getAttribute("data-auth-post"), {method: "POST", body: body, credentials: "same-origin"});
      var data = await res.json().catch(function () { return {}; });
      if (res.ok) {
        // A fresh Reflex state for the new (or no) account: its token lives in sessionStorage.
        try { window.sessionStorage.clear(); } catch (e) { /* private mode */ }
        window.location.assign(data.next || "/");
        return;
      }
      show(form, data.error && data.error.code, data.retryAfter);
    } catch (e) {
      show(form, "network");
    } finally {
      if (button) button.disabled = false;
    }
  }

  document.addEventListener("submit", function (e) {
    var form = e.target && e.target.closest && e.target.closest("form[data-auth-post]");
    if (!form) return;
    e.preventDefault();
    e.stopPropagation();
    post(form);
  }, true);
})();
