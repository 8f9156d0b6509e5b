// DictaChat browser helpers: auto-scroll that yields to the reader, Enter-to-send, copy feedback.
(function () {
  "use strict";
  var NEAR_BOTTOM_PX = 80;
  var stick = true;
  var observed = null;

  function scroller() {
    return document.getElementById("chat-scroll");
  }

  function nearBottom(el) {
    return el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  }

  function showButton(el) {
    var main = el.closest(".chat-main");
    var away = stick || nearBottom(el) ? "0" : "1";
    // Written only when it changes: each write restyles the page, many times a second while streaming.
    if (main && main.dataset.away !== away) main.dataset.away = away;
  }

  function scrollToBottom(force) {
    var el = scroller();
    if (!el) return;
    if (force) stick = true;
    if (stick) el.scrollTop = el.scrollHeight;
    showButton(el);
  }

  // Follow the answer while it streams, unless the reader scrolled up. Once per frame, not per DOM
  // change: reading scrollHeight lays the page out, and a streaming answer changes the DOM several
  // times a frame; in a frame callback the layout is the one the frame would do anyway.
  var pending = false;
  function follow() {
    pending = false;
    if (stick) scrollToBottom(false);
    else if (observed) showButton(observed);
  }
  var observer = new MutationObserver(function () {
    if (!pending) {
      pending = true;
      requestAnimationFrame(follow);
    }
  });

  function attach() {
    var el = scroller();
    if (!el || el === observed) return;
    observed = el;
    observer.disconnect();
    observer.observe(el, { childList: true, subtree: true, characterData: true });
    el.addEventListener("scroll", function () {
      stick = nearBottom(el);
      showButton(el);
    }, { passive: true });
    // A wheel or touch gesture upwards releases the auto-scroll at once, before the next chunk lands.
    el.addEventListener("wheel", function (e) { if (e.deltaY < 0) stick = false; }, { passive: true });
    el.addEventListener("touchmove", function () { stick = nearBottom(el); }, { passive: true });
    stick = true;
    scrollToBottom(false);
  }

  // React renders (and may re-mount) the page after this script runs.
  setInterval(attach, 400);
  document.addEventListener("DOMContentLoaded", attach);

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLTextAreaElement) || !t.dataset.submitOnEnter) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      // While an answer streams the text stays in the box (submitting would clear it for nothing).
      var busy = t.id === "composer" && document.getElementById("stop-button");
      if (!busy && t.value.trim() && t.form) t.form.requestSubmit();
    } else if (e.key === "Escape" && t.id !== "composer") {
      var cancel = t.form && t.form.querySelector("button[type=button]");
      if (cancel) cancel.click();
    }
  });

  // Copy buttons: code blocks copy their own text; every copy button flashes a check mark.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest(".copy-btn");
    if (!btn) return;
    if (btn.dataset.copyCode) {
      var pre = btn.closest(".code-wrap").querySelector("pre");
      if (pre && navigator.clipboard) navigator.clipboard.writeText(pre.innerText).catch(function () {});
    }
    btn.classList.add("done");
    setTimeout(function () { btn.classList.remove("done"); }, 1200);
  });

  // The first Intl.NumberFormat of a page loads ICU's number data: 30-40 ms on one task. The token
  // count of a finished answer is its first use, so without this the end of every long answer in a
  // fresh page stalls for three frames. Pay it once while the page is idle after load instead.
  function warmIntl() {
    ["en", "he"].forEach(function (lang) { new Intl.NumberFormat(lang).format(1); });
  }
  if (window.requestIdleCallback) window.requestIdleCallback(warmIntl, { timeout: 2000 });
  else setTimeout(warmIntl, 500);

  window.dictachat = { scrollToBottom: scrollToBottom };
})();
