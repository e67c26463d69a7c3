// Bulk upload: drop or choose files or a whole folder, draw the fin box on each photo.
// Per-file fields sent with the form: crop-<i> ("x,y,w,h" as fractions of the image),
// side-<i>, guess-<i> (only when changed). No box drawn: the whole image is used.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("id_images");
  var folder = document.getElementById("id_folder");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("file-list");
  var files = [];

  function isCandidate(file) {
    return file.name.charAt(0) !== "." && file.size > 0;
  }

  function setFiles(newFiles) {
    files = newFiles.filter(isCandidate);
    var transfer = new DataTransfer();
    files.forEach(function (f) { transfer.items.add(f); });
    input.files = transfer.files;
    render();
  }

  function sideSelect(i) {
    var select = document.createElement("select");
    select.name = "side-" + i;
    select.id = "side-" + i;
    [["", gettext("Default side")], ["left", gettext("Left")], ["right", gettext("Right")], ["unknown", gettext("Unknown")]]
      .forEach(function (pair) {
        var option = document.createElement("option");
        option.value = pair[0];
        option.textContent = pair[1];
        select.appendChild(option);
      });
    return select;
  }

  function labelled(text, control) {
    var label = document.createElement("label");
    label.htmlFor = control.id;
    label.textContent = text;
    var wrap = document.createElement("div");
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function cropper(file, i, hidden) {
    var canvas = document.createElement("canvas");
    canvas.className = "cropper";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", gettext("Preview: drag to draw a box around the fin"));
    var ctx = canvas.getContext("2d");
    var img = null;  // an ImageBitmap: decoded without a blob: URL, which the CSP forbids
    var box = null, start = null;

    function draw() {
      if (!img) return;
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      if (box) {
        ctx.fillStyle = "rgba(0,0,0,0.45)";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, box.x * img.width, box.y * img.height,
          box.w * img.width, box.h * img.height,
          box.x * canvas.width, box.y * canvas.height, box.w * canvas.width, box.h * canvas.height);
        ctx.strokeStyle = "#e8710a";
        ctx.lineWidth = 2;
        ctx.strokeRect(box.x * canvas.width, box.y * canvas.height,
          box.w * canvas.width, box.h * canvas.height);
      }
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
        y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))
      };
    }
    function store() {
      hidden.value = box ? [box.x, box.y, box.w, box.h].map(function (v) {
        return v.toFixed(4);
      }).join(",") : "";
    }
    function loaded(bitmap) {
      img = bitmap;
      var scale = Math.min(1, 360 / img.width);
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      draw();
    }
    function failed() {
      canvas.replaceWith(Object.assign(document.createElement("p"), {
        className: "muted", textContent: gettext("No preview: the server will check this file.")
      }));
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (!img) return;
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
      start = null;
      if (box && (box.w < 0.02 || box.h < 0.02)) box = null;
      store();
      draw();
    });
    if (window.createImageBitmap) {
      createImageBitmap(file).then(loaded, failed);
    } else {
      failed();
    }
    return {
      canvas: canvas,
      reset: function () { box = null; store(); draw(); },
      setBox: function (b) { box = b; store(); draw(); }
    };
  }

  function render() {
    list.textContent = "";
    files.forEach(function (file, i) {
      var li = document.createElement("li");
      li.className = "file-item";
      li.dataset.name = file.name;
      var title = document.createElement("strong");
      title.textContent = (file.webkitRelativePath || file.name);
      li.appendChild(title);
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "crop-" + i;
      hidden.className = "crop-value";
      li.appendChild(hidden);
      var crop = cropper(file, i, hidden);
      li.appendChild(crop.canvas);
      var controls = document.createElement("div");
      controls.className = "file-controls";
      controls.appendChild(labelled(gettext("Side"), sideSelect(i)));
      var guess = document.createElement("input");
      guess.id = "guess-" + i;
      guess.maxLength = 20;
      guess.placeholder = gettext("default");
      guess.addEventListener("input", function () { guess.name = "guess-" + i; });
      controls.appendChild(labelled(gettext("Guess (code)"), guess));
      var reset = document.createElement("button");
      reset.type = "button";
      reset.className = "secondary";
      reset.textContent = gettext("Whole image");
      reset.addEventListener("click", crop.reset);
      controls.appendChild(reset);
      li.appendChild(controls);
      li.cropper = crop;
      list.appendChild(li);
    });
    var count = document.getElementById("file-count");
    if (!count) {
      count = document.createElement("p");
      count.id = "file-count";
      list.parentNode.insertBefore(count, list);
    }
    count.textContent = files.length ? interpolate(gettext("%s files chosen"), [files.length]) : "";
  }

  function interpolate(fmt, args) {
    return window.interpolate ? window.interpolate(fmt, args) : fmt.replace("%s", args[0]);
  }

  function readEntries(entry) {
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (f) { resolve([f]); }, function () { resolve([]); });
      } else if (entry.isDirectory) {
        var reader = entry.createReader(), all = [];
        (function next() {
          reader.readEntries(function (entries) {
            if (!entries.length) {
              Promise.all(all.map(readEntries)).then(function (lists) {
                resolve([].concat.apply([], lists));
              });
            } else {
              all = all.concat(Array.prototype.slice.call(entries));
              next();
            }
          }, function () { resolve([]); });
        })();
      } else {
        resolve([]);
      }
    });
  }

  input.addEventListener("change", function () { setFiles(Array.from(input.files)); });
  if (folder) {
    folder.addEventListener("change", function () {
      setFiles(files.concat(Array.from(folder.files)));
      folder.value = "";
    });
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    var items = Array.from(event.dataTransfer.items || []);
    var entries = items.map(function (item) {
      return item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    }).filter(Boolean);
    if (entries.length) {
      Promise.all(entries.map(readEntries)).then(function (lists) {
        setFiles(files.concat([].concat.apply([], lists)));
      });
    } else {
      setFiles(files.concat(Array.from(event.dataTransfer.files)));
    }
  });
  form.addEventListener("submit", function () {
    document.getElementById("upload-submit").disabled = true;
    document.getElementById("upload-submit").textContent = gettext("Uploading…");
  });
})();
