// "Click to enlarge" for the book's figures: a click (or Enter/Space) on a figure shows it at full resolution over
// the page; a click anywhere, Escape or the Close button closes it and returns the focus to the figure.
(function () {
  function open(img) {
    var box = document.createElement("div");
    box.className = "ba-lightbox";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", "Enlarged figure: " + (img.alt || ""));
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt;
    big.width = img.naturalWidth;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    box.appendChild(close);
    box.appendChild(big);
    function shut() {
      document.removeEventListener("keydown", onKey);
      box.remove();
      img.focus();
    }
    function onKey(event) { if (event.key === "Escape") { shut(); } }
    box.addEventListener("click", shut);
    document.addEventListener("keydown", onKey);
    document.body.appendChild(box);
    close.focus();
  }
  function setup() {
    document.querySelectorAll("article figure img, article .cell_output img").forEach(function (img) {
      if (img.closest("a")) { return; }  // an image that is a link keeps its link
      img.classList.add("ba-enlargeable");
      img.tabIndex = 0;
      img.setAttribute("role", "button");
      img.title = "Click to enlarge";
      img.addEventListener("click", function () { open(img); });
      img.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(img); }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
})();
