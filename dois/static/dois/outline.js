// The fin outline correction tool (issue 13). Every ".outline-editor" figure holds the
// crop, an SVG of the traced outline over it (points in the outline's own pixels: the
// SVG's view box) and a form. Pointer events, so it works by touch and by mouse:
// - "move": drag the tip or an end; the trailing edge follows the traced contour
//   between the tip and the trailing end (the server does the same, outline_correct);
// - "redraw": draw the trailing edge from the tip down.
// The form's hidden fields get "x,y" points; "Accept" posts the outline as it is.
// Events are delegated from the document, so an editor swapped into the page later (the
// job page does that when its job finishes) works too. No inline script or style.
(function () {
  "use strict";
  var states = new WeakMap();

  function parsePoints(text) {
    return (text || "").trim().split(/\s+/).filter(Boolean).map(function (pair) {
      var xy = pair.split(",").map(Number);
      return { x: xy[0], y: xy[1] };
    });
  }
  function format(points) {
    return points.map(function (p) { return p.x.toFixed(2) + "," + p.y.toFixed(2); }).join(" ");
  }
  function handle(figure, name) {
    return figure.querySelector('circle[data-handle="' + name + '"]');
  }
  function pointOf(circle) {
    return circle ? { x: Number(circle.getAttribute("cx")), y: Number(circle.getAttribute("cy")) } : null;
  }

  function state(figure) {
    var s = states.get(figure);
    if (s) return s;
    var svg = figure.querySelector("svg.outline-svg");
    var contour = figure.querySelector(".outline-contour");
    var trailing = figure.querySelector(".outline-trailing");
    s = {
      figure: figure, svg: svg, trailingLine: trailing,
      form: figure.querySelector("form.outline-form"),
      contour: contour ? parsePoints(contour.getAttribute("points")) : [],
      original: {
        trailing: trailing ? trailing.getAttribute("points") : "",
        tip: pointOf(handle(figure, "tip")),
        trailing_end: pointOf(handle(figure, "trailing_end")),
        leading_end: pointOf(handle(figure, "leading_end"))
      },
      width: Number(figure.dataset.width), height: Number(figure.dataset.height),
      facing: figure.dataset.facing || "left",
      dragging: null, drawing: null, changed: {}
    };
    states.set(figure, s);
    return s;
  }

  function toView(s, event) {
    var point = s.svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(s.svg.getScreenCTM().inverse());
    return { x: Math.min(s.width, Math.max(0, p.x)), y: Math.min(s.height, Math.max(0, p.y)) };
  }

  function nearest(points, p) {
    var best = 0, bestD = Infinity;
    points.forEach(function (q, i) {
      var d = (q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y);
      if (d < bestD) { bestD = d; best = i; }
    });
    return best;
  }
  function path(points, i, j, step) {
    var out = [points[i]], k = i, n = points.length;
    while (k !== j && out.length <= n) { k = (k + step + n) % n; out.push(points[k]); }
    return out;
  }
  function mean(points) {
    return points.reduce(function (a, p) { return a + p.x; }, 0) / Math.max(points.length, 1);
  }
  // The trailing edge between the tip and the trailing end along the contour: of the
  // two ways round, the one on the trailing side (right of the tip when facing left).
  function followContour(s, tip, end) {
    if (s.contour.length < 3 || !tip || !end) return null;
    var i = nearest(s.contour, tip), j = nearest(s.contour, end);
    var a = path(s.contour, i, j, 1), b = path(s.contour, i, j, -1);
    var sign = s.facing === "right" ? -1 : 1;
    var pick = sign * (mean(a) - mean(b)) > 0 ? a : b;
    return [tip].concat(pick.slice(1, -1), [end]);
  }

  function setField(s, name, value) {
    var input = s.form && s.form.querySelector('input[name="' + name + '"]');
    if (input) input.value = value;
  }
  function markChanged(s, action) {
    if (!s.form) return;
    var save = s.form.querySelector(".outline-save");
    save.disabled = false;
    save.value = action;
    s.form.querySelector(".outline-reset").disabled = false;
    s.figure.classList.add("changed");
  }

  function moveHandle(s, name, p) {
    var circle = handle(s.figure, name);
    if (!circle) return;
    circle.setAttribute("cx", p.x.toFixed(2));
    circle.setAttribute("cy", p.y.toFixed(2));
    setField(s, name, p.x.toFixed(2) + "," + p.y.toFixed(2));
    if (name !== "leading_end") {
      var edge = followContour(s, pointOf(handle(s.figure, "tip")),
                               pointOf(handle(s.figure, "trailing_end")));
      if (edge && s.trailingLine) s.trailingLine.setAttribute("points", format(edge));
    }
    markChanged(s, "move");
  }

  function setMode(figure, mode) {
    var s = state(figure);
    figure.dataset.mode = mode;
    figure.querySelectorAll(".outline-mode").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    });
    figure.querySelectorAll(".outline-help").forEach(function (p) {
      p.hidden = p.dataset.help !== mode;
    });
    if (s.form) s.form.querySelector(".outline-save").value = mode;
  }

  function reset(figure) {
    var s = state(figure);
    if (s.trailingLine) s.trailingLine.setAttribute("points", s.original.trailing);
    ["tip", "trailing_end", "leading_end"].forEach(function (name) {
      var circle = handle(figure, name), p = s.original[name];
      if (circle && p) { circle.setAttribute("cx", p.x); circle.setAttribute("cy", p.y); }
      setField(s, name, "");
    });
    setField(s, "trailing", "");
    figure.classList.remove("changed");
    if (s.form) {
      s.form.querySelector(".outline-save").disabled = true;
      s.form.querySelector(".outline-reset").disabled = true;
    }
  }

  document.addEventListener("pointerdown", function (event) {
    var figure = event.target.closest && event.target.closest(".outline-editor");
    if (!figure || !event.target.closest("svg.outline-svg")) return;
    var s = state(figure);
    if (figure.dataset.mode === "redraw") {
      event.preventDefault();
      s.drawing = [toView(s, event)];
      s.svg.setPointerCapture(event.pointerId);
      return;
    }
    var name = event.target.dataset && event.target.dataset.handle;
    if (!name) return;
    event.preventDefault();
    s.dragging = name;
    s.svg.setPointerCapture(event.pointerId);
  });

  document.addEventListener("pointermove", function (event) {
    var figure = event.target.closest && event.target.closest(".outline-editor");
    if (!figure) return;
    var s = states.get(figure);
    if (!s) return;
    if (s.dragging) {
      event.preventDefault();
      moveHandle(s, s.dragging, toView(s, event));
    } else if (s.drawing) {
      event.preventDefault();
      var p = toView(s, event), last = s.drawing[s.drawing.length - 1];
      var step = Math.max(s.width, s.height) / 300;
      if (Math.hypot(p.x - last.x, p.y - last.y) < step) return;
      s.drawing.push(p);
      if (s.trailingLine) s.trailingLine.setAttribute("points", format(s.drawing));
    }
  });

  function finish(event) {
    var figure = event.target.closest && event.target.closest(".outline-editor");
    if (!figure) return;
    var s = states.get(figure);
    if (!s) return;
    if (s.drawing) {
      var line = s.drawing;
      s.drawing = null;
      if (line.length < 2) return;
      setField(s, "trailing", format(line));
      var tip = handle(figure, "tip"), end = handle(figure, "trailing_end");
      if (tip) { tip.setAttribute("cx", line[0].x); tip.setAttribute("cy", line[0].y); }
      if (end) {
        end.setAttribute("cx", line[line.length - 1].x);
        end.setAttribute("cy", line[line.length - 1].y);
      }
      markChanged(s, "redraw");
    }
    s.dragging = null;
  }
  document.addEventListener("pointerup", finish);
  document.addEventListener("pointercancel", finish);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".outline-editor button");
    if (!button) return;
    var figure = button.closest(".outline-editor");
    if (button.classList.contains("outline-mode")) {
      reset(figure);
      setMode(figure, button.dataset.mode);
    } else if (button.classList.contains("outline-reset")) {
      reset(figure);
    }
  });
})();

// The review page's edge overlays: the query's trailing edge aligned on a candidate's.
// Zoom with the wheel, a pinch or the + and − buttons, drag to move (the SVG's view box).
(function () {
  "use strict";
  var views = new WeakMap();

  function view(svg) {
    var v = views.get(svg);
    if (!v) {
      var box = (svg.dataset.viewBox || svg.getAttribute("viewBox")).split(/\s+/).map(Number);
      v = { home: box, box: box.slice(), pointers: {}, last: null, pinch: null };
      views.set(svg, v);
    }
    return v;
  }
  function apply(svg, v) {
    svg.setAttribute("viewBox", v.box.map(function (n) { return n.toFixed(5); }).join(" "));
    svg.closest(".edge-overlay").dataset.zoom = (v.home[2] / v.box[2]).toFixed(2);
  }
  function zoom(svg, factor) {
    var v = view(svg);
    var side = Math.min(v.home[2], Math.max(v.home[2] / 12, v.box[2] / factor));
    var cx = v.box[0] + v.box[2] / 2, cy = v.box[1] + v.box[3] / 2;
    v.box = [cx - side / 2, cy - side / 2, side, side];
    apply(svg, v);
  }
  function svgOf(target) {
    var overlay = target.closest && target.closest(".edge-overlay");
    return overlay ? overlay.querySelector("svg") : null;
  }
  document.addEventListener("wheel", function (event) {
    if (!event.target.closest || !event.target.closest(".edge-overlay .zoom-frame")) return;
    event.preventDefault();
    zoom(svgOf(event.target), event.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-edge-zoom]");
    if (!button) return;
    var svg = svgOf(button), what = button.dataset.edgeZoom;
    if (what === "reset") { var v = view(svg); v.box = v.home.slice(); apply(svg, v); }
    else zoom(svg, what === "in" ? 1.5 : 1 / 1.5);
  });
  document.addEventListener("pointerdown", function (event) {
    var frame = event.target.closest && event.target.closest(".edge-overlay .zoom-frame");
    if (!frame) return;
    var svg = svgOf(frame), v = view(svg);
    v.pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    v.last = { x: event.clientX, y: event.clientY };
    frame.setPointerCapture(event.pointerId);
  });
  document.addEventListener("pointermove", function (event) {
    var frame = event.target.closest && event.target.closest(".edge-overlay .zoom-frame");
    if (!frame) return;
    var svg = svgOf(frame), v = view(svg);
    if (!v.pointers[event.pointerId]) return;
    v.pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var ids = Object.keys(v.pointers);
    if (ids.length === 2) {
      var a = v.pointers[ids[0]], b = v.pointers[ids[1]];
      var d = Math.hypot(a.x - b.x, a.y - b.y);
      if (v.pinch) zoom(svg, d / v.pinch);
      v.pinch = d;
      return;
    }
    var scale = v.box[2] / Math.max(frame.clientWidth, 1);
    v.box[0] -= (event.clientX - v.last.x) * scale;
    v.box[1] -= (event.clientY - v.last.y) * scale;
    v.last = { x: event.clientX, y: event.clientY };
    apply(svg, v);
  });
  function up(event) {
    var frame = event.target.closest && event.target.closest(".edge-overlay .zoom-frame");
    if (!frame) return;
    var v = view(svgOf(frame));
    delete v.pointers[event.pointerId];
    v.pinch = null;
  }
  document.addEventListener("pointerup", up);
  document.addEventListener("pointercancel", up);
})();
