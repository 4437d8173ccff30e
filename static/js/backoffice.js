// Back office: live branding preview with a WCAG contrast check.
(function () {
  function luminance(hex) {
    var m = /^#([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) { return null; }
    var v = parseInt(m[1], 16), out = 0, weights = [0.2126, 0.7152, 0.0722];
    [(v >> 16) & 255, (v >> 8) & 255, v & 255].forEach(function (c, i) {
      c = c / 255;
      out += weights[i] * (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    });
    return out;
  }
  function ratio(hex) {
    var l = luminance(hex);
    return l === null ? null : 1.05 / (l + 0.05);
  }
  var primary = document.getElementById("b-primary_color");
  var secondary = document.getElementById("b-secondary_color");
  var name = document.getElementById("b-name");
  var result = document.getElementById("contrast-result");
  if (!primary || !secondary || !result) { return; }
  var nav = document.getElementById("preview-nav"), button = document.getElementById("preview-button");
  function update() {
    if (luminance(primary.value) !== null) { button.style.backgroundColor = primary.value; button.style.color = "#fff"; }
    if (luminance(secondary.value) !== null) { nav.style.backgroundColor = secondary.value; nav.style.color = "#fff"; }
    if (name) { nav.textContent = name.value; }
    var worst = Math.min(ratio(primary.value) || 0, ratio(secondary.value) || 0);
    var ok = worst >= 4.5;
    result.textContent = result.getAttribute(ok ? "data-ok" : "data-bad").replace("RATIO", worst.toFixed(2));
    result.className = "small " + (ok ? "text-success" : "text-danger");
  }
  [primary, secondary, name].forEach(function (el) { if (el) { el.addEventListener("input", update); } });
  update();
})();
