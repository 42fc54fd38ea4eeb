// Composer Lab slides: one slide at a time, scaled to the window.
// Keys: right, down, space, PageDown, n... next; left, up, PageUp previous; Home, End; "s" shows the speaker notes.
// The address ends in #3 for slide 3, so a reload stays on it. No request is ever made.
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var panel = document.querySelector(".notes-panel");
  var index = 0;

  function fit() {
    var scale = Math.min(window.innerWidth / 1280, window.innerHeight / 720);
    document.documentElement.style.setProperty("--scale", String(scale));
  }

  function show(i) {
    index = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach(function (s, k) { s.classList.toggle("current", k === index); });
    var notes = slides[index].querySelector(".notes");
    panel.innerHTML = notes ? notes.innerHTML : "<p>(no notes)</p>";
    if (location.hash !== "#" + (index + 1)) { history.replaceState(null, "", "#" + (index + 1)); }
    document.title = document.title.replace(/ \(\d+\/\d+\)$/, "") + " (" + (index + 1) + "/" + slides.length + ")";
  }

  document.addEventListener("keydown", function (e) {
    var next = ["ArrowRight", "ArrowDown", " ", "PageDown", "Enter"];
    var prev = ["ArrowLeft", "ArrowUp", "PageUp", "Backspace"];
    if (next.indexOf(e.key) >= 0) { show(index + 1); e.preventDefault(); }
    else if (prev.indexOf(e.key) >= 0) { show(index - 1); e.preventDefault(); }
    else if (e.key === "Home") { show(0); }
    else if (e.key === "End") { show(slides.length - 1); }
    else if (e.key === "s") { panel.hidden = !panel.hidden; }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest(".notes-panel")) { return; }
    show(e.clientX > window.innerWidth / 3 ? index + 1 : index - 1);
  });
  window.addEventListener("resize", fit);
  window.addEventListener("hashchange", function () { show(parseInt(location.hash.slice(1), 10) - 1 || 0); });
  fit();
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
}());
