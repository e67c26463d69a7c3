// The compare page: the photo under review and a candidate's photo, zoomed and moved
// together (wheel, pinch, drag, + - 0), the candidate's other photos on <- -> [ ].
(function () {
  "use strict";
  var root = document.getElementById("compare");
  if (!root) return;
  var images = Array.prototype.slice.call(root.querySelectorAll("img.zoomable"));
  var frames = Array.prototype.slice.call(root.querySelectorAll(".zoom-frame"));
  var state = { scale: 1, x: 0, y: 0 };
  var pointers = {}, last = null, pinch = null;

  function apply() {
    state.scale = Math.min(8, Math.max(1, state.scale));
    var limit = (state.scale - 1) / (2 * state.scale);
    state.x = Math.min(limit, Math.max(-limit, state.x));
    state.y = Math.min(limit, Math.max(-limit, state.y));
    images.forEach(function (img) {
      img.style.transform = "scale(" + state.scale + ") translate(" +
        (state.x * 100) + "%," + (state.y * 100) + "%)";
    });
    root.dataset.scale = state.scale.toFixed(2);
  }
  function zoom(factor) { state.scale *= factor; apply(); }
  function reset() { state = { scale: 1, x: 0, y: 0 }; apply(); }

  frames.forEach(function (frame) {
    frame.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2);
    }, { passive: false });
    frame.addEventListener("pointerdown", function (event) {
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
      frame.setPointerCapture(event.pointerId);
      last = { x: event.clientX, y: event.clientY, w: frame.clientWidth, h: frame.clientHeight };
    });
    frame.addEventListener("pointermove", function (event) {
      if (!pointers[event.pointerId]) return;
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var d = Math.hypot(a.x - b.x, a.y - b.y);
        if (pinch) zoom(d / pinch);
        pinch = d;
        return;
      }
      if (!last) return;
      state.x += (event.clientX - last.x) / (last.w * state.scale);
      state.y += (event.clientY - last.y) / (last.h * state.scale);
      last.x = event.clientX;
      last.y = event.clientY;
      apply();
    });
    function up(event) {
      delete pointers[event.pointerId];
      pinch = null;
      last = null;
    }
    frame.addEventListener("pointerup", up);
    frame.addEventListener("pointercancel", up);
  });

  var strip = Array.prototype.slice.call(document.querySelectorAll("#compare-strip button"));
  var candidate = document.getElementById("compare-candidate");
  function show(index) {
    if (!strip.length || !candidate) return;
    index = (index + strip.length) % strip.length;
    var button = strip[index];
    candidate.src = button.dataset.src;
    root.dataset.index = String(index);
    document.getElementById("compare-position").textContent = String(index + 1);
    document.getElementById("compare-date").textContent = button.dataset.date;
    strip.forEach(function (b) { b.classList.toggle("current", b === button); });
  }
  strip.forEach(function (button) {
    button.addEventListener("click", function () { show(Number(button.dataset.index)); });
  });
  function step(delta) { show(Number(root.dataset.index || 0) + delta); }
  document.getElementById("compare-prev").addEventListener("click", function () { step(-1); });
  document.getElementById("compare-next").addEventListener("click", function () { step(1); });
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var what = button.dataset.zoom;
      if (what === "in") zoom(1.25); else if (what === "out") zoom(0.8); else reset();
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var key = event.key;
    if (key === "ArrowRight" || key === "]") { event.preventDefault(); step(1); }
    else if (key === "ArrowLeft" || key === "[") { event.preventDefault(); step(-1); }
    else if (key === "+" || key === "=") { event.preventDefault(); zoom(1.25); }
    else if (key === "-") { event.preventDefault(); zoom(0.8); }
    else if (key === "0") { event.preventDefault(); reset(); }
    else if (key === "Escape") {
      var back = document.querySelector('[data-key="escape"]');
      if (back) back.click();
    }
  });
  apply();
})();
