// The filter drawer is a <details> and works without this file; with it, Esc closes the drawer
// (full screen on a phone) and gives the focus back to its button, and a person ticked in the
// people picker (which applies at once, app.js) finds the drawer open again on a wide screen,
// the focus on that person: the next one is a Tab and a Space away.
(function () {
  "use strict";

  const drawer = document.getElementById("drawer");
  if (!drawer) return;
  drawer.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !drawer.open) return;
    drawer.open = false;
    drawer.querySelector("summary").focus();
  });

  const KEY = "photosearch-picked";
  const picker = document.getElementById("people-picker");
  let picked = null;
  try {
    picked = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
  } catch (error) {
    return; // storage refused (a private window's setting): the drawer stays closed
  }
  if (!picker) return;
  picker.addEventListener("change", (event) => {
    try {
      sessionStorage.setItem(KEY, event.target.value);
    } catch (error) {
      // as above
    }
  });
  if (picked === null || window.matchMedia("(max-width: 640px)").matches) return;
  const person = [...picker.querySelectorAll("input[name=person]")].find((i) => i.value === picked);
  if (!person) return;
  drawer.open = true;
  person.focus();
})();
