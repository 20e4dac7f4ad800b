// The filter drawer is a <details> and works without this file; with it, Esc closes the drawer
// (full screen on a phone) and gives the focus back to its button.
(function () {
  "use strict";

  const drawer = document.getElementById("drawer");
  if (!drawer) return;
  drawer.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !drawer.open) return;
    drawer.open = false;
    drawer.querySelector("summary").focus();
  });
})();
