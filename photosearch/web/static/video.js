// The video page: a jump point seeks the player to its scene and plays from there, and the
// address keeps the moment (?t=), so reload and back open the video where it was. Without
// JavaScript, or for a video that is not played here, each jump point is a link to the page
// at that moment. An HEVC video's player is shown where this browser says it plays HEVC.
const maybe = document.getElementById("player-if");
if (maybe && document.createElement("video").canPlayType(maybe.dataset.type)) {
  document.getElementById("not-played").replaceWith(maybe.content.cloneNode(true));
}
const player = document.getElementById("player");
if (player) {
  document.addEventListener("click", (event) => {
    const jump = event.target.closest("a.jump[data-seconds]");
    if (!jump || event.defaultPrevented || event.button !== 0) return;
    event.preventDefault();
    player.currentTime = Number(jump.dataset.seconds);
    player.play().catch(() => {}); // a browser that plays nothing unasked keeps it paused there
    const url = new URL(window.location.href);
    url.searchParams.set("t", jump.dataset.seconds);
    history.replaceState(history.state, "", url);
  });
}
