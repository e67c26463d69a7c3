// Correct a photo's fin box: the whole photo on a canvas, drag to draw the box. The box
// is kept in the form's hidden field as "x,y,w,h" fractions of the image.
(function () {
  "use strict";
  var canvas = document.getElementById("box-canvas");
  if (!canvas) return;
  var input = document.getElementById(canvas.dataset.input);
  var ctx = canvas.getContext("2d");
  var img = new Image();
  var box = null, start = null;

  function parse(value) {
    var parts = (value || "").split(",").map(Number);
    if (parts.length !== 4 || parts.some(isNaN)) return null;
    return { x: parts[0], y: parts[1], w: parts[2], h: parts[3] };
  }
  function store() {
    input.value = box ? [box.x, box.y, box.w, box.h].map(function (v) {
      return v.toFixed(4);
    }).join(",") : "0,0,1,1";
  }
  function draw() {
    if (!img.naturalWidth) return;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    if (!box) return;
    ctx.fillStyle = "rgba(0,0,0,0.45)";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    var sx = img.naturalWidth, sy = img.naturalHeight, dx = canvas.width, dy = canvas.height;
    ctx.drawImage(img, box.x * sx, box.y * sy, box.w * sx, box.h * sy,
      box.x * dx, box.y * dy, box.w * dx, box.h * dy);
    ctx.strokeStyle = "#e8710a";
    ctx.lineWidth = 2;
    ctx.strokeRect(box.x * dx, box.y * dy, box.w * dx, box.h * dy);
  }
  function point(event) {
    var rect = canvas.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
      y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))
    };
  }
  canvas.addEventListener("pointerdown", function (event) {
    start = point(event);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!start) return;
    var p = point(event);
    box = { x: Math.min(start.x, p.x), y: Math.min(start.y, p.y),
            w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y) };
    draw();
  });
  canvas.addEventListener("pointerup", function () {
    if (!start) return;
    start = null;
    if (box && (box.w < 0.02 || box.h < 0.02)) box = parse(input.defaultValue);
    store();
    draw();
  });
  document.getElementById("box-whole").addEventListener("click", function () {
    box = null;
    store();
    draw();
  });
  img.addEventListener("load", function () {
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    box = parse(input.value);
    draw();
  });
  img.src = canvas.dataset.src;
})();
