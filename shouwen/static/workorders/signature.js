// The resident signs with a finger on the canvas; the drawing goes to the server as a PNG data URL.
(function () {
  "use strict";
  var canvas = document.getElementById("sign-canvas");
  if (!canvas) { return; }
  var form = document.getElementById("sign-form");
  var input = form.querySelector("input[name=signature]");
  var hint = document.getElementById("sign-hint");
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false, last = null, width = 0;

  function setUp() {
    var box = canvas.getBoundingClientRect();
    // Resizing wipes the canvas; the keyboard opening for the opinion box must not lose the signature.
    if (drawn || box.width === width) { return; }
    width = box.width;
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.6;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    ctx.fillStyle = "#111";
  }
  function at(event) {
    var box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }
  function mark() {
    drawn = true;
    if (hint) { hint.hidden = true; }
  }
  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = at(event);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.3, 0, Math.PI * 2);
    ctx.fill();
    mark();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    event.preventDefault();
    var point = at(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(point.x, point.y);
    ctx.stroke();
    last = point;
    mark();
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  document.getElementById("sign-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    if (hint) { hint.hidden = false; }
  });
  form.addEventListener("submit", function (event) {
    if (!drawn) {
      event.preventDefault();
      if (hint) { hint.hidden = false; hint.textContent = form.dataset.emptyMessage; }
      canvas.scrollIntoView({ block: "center" });
      return;
    }
    input.value = canvas.toDataURL("image/png");
  });
  setUp();
  window.addEventListener("resize", setUp);
})();
