// Two small enhancements; every page works without them.
document.addEventListener("submit", function (e) {
  // Ask before destructive actions (buttons with data-confirm).
  var b = e.submitter;
  if (b && b.dataset.confirm && !window.confirm(b.dataset.confirm)) e.preventDefault();
});
document.addEventListener("click", function (e) {
  // Copy a new API token to the clipboard.
  var b = e.target.closest("[data-copy]");
  if (!b) return;
  var input = document.getElementById(b.dataset.copy);
  input.select();
  if (navigator.clipboard) navigator.clipboard.writeText(input.value);
  else document.execCommand("copy");
  b.textContent = "Copied";
});
