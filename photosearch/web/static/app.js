// Progressive enhancement: everything works without this file; with it, results scroll on
// without page loads, and filter controls apply as soon as they change.
(function () {
  "use strict";
  // The page's words, in its language (base.html: language.script_messages).
  const T = JSON.parse(document.getElementById("page-messages").textContent);

  const filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select, input[type=date], input[type=checkbox]").forEach((control) => {
      control.addEventListener("change", () => filters.requestSubmit());
    });
  }

  // A photo's page: a line of its text and its outline on the photo light up together.
  const outlines = document.getElementById("outlines");
  const textLines = document.getElementById("text-lines");
  if (outlines && textLines) {
    const mark = (event, on) => {
      const line = event.target.closest("[data-line]");
      if (!line) return;
      const selector = `[data-line="${line.dataset.line}"]`;
      [outlines.querySelector(selector), textLines.querySelector(selector)].forEach((element) => {
        if (element) element.classList.toggle("active", on);
      });
    };
    [outlines, textLines].forEach((element) => {
      element.addEventListener("mouseover", (event) => mark(event, true));
      element.addEventListener("mouseout", (event) => mark(event, false));
      element.addEventListener("focusin", (event) => mark(event, true));
      element.addEventListener("focusout", (event) => mark(event, false));
    });
  }

  const grid = document.getElementById("results");
  const more = document.getElementById("more");
  if (!grid || !more || !document.getElementById("more-link")) return;

  let nextOffset = grid.dataset.nextOffset;
  let loading = false;

  function card(photo) {
    const link = document.createElement("a");
    link.className = "card";
    link.href = photo.url;
    link.title = photo.path;
    link.dataset.id = photo.id;
    Object.assign(link.dataset, {  // the tile a viewer opens (viewer.js), as _cards.html has it
      photoId: photo.id, width: photo.width || "", height: photo.height || "", format: photo.format,
      original: photo.original_url, preview: photo.preview_url, media: photo.media || "photo",
    });
    const video = photo.media === "video";
    const image = document.createElement("img");
    image.src = photo.scene_url || photo.thumbnail_url;  // as _cards.html: alt, srcset, sizes, size
    if (!video) {
      image.srcset = `${photo.thumbnail_url} 320w, ${photo.preview_url} 1600w`;
      image.sizes = "(max-width: 640px) 34vw, 220px";
    }
    image.alt = photo.alt;
    image.loading = "lazy";
    const scale = Math.min(1, 320 / Math.max(photo.width || 320, photo.height || 320));
    image.width = Math.round((photo.width || 320) * scale);
    image.height = Math.round((photo.height || 320) * scale);
    const caption = document.createElement("span");
    caption.className = "caption";
    caption.textContent = photo.name;
    link.append(image);
    if (photo.score !== null) {  // null: found by place, date or written words alone
      const score = document.createElement("span");
      score.className = "score";
      score.textContent = photo.score.toFixed(3);
      link.append(score);
    }
    if (video) {  // the play badge and the matching scene's moment, as _cards.html shows them
      link.classList.add("video");
      const play = document.createElement("span");
      play.className = "play";
      play.title = T.video;
      play.textContent = `▶ ${photo.clock || ""}`.trim();
      link.append(play);
    }
    const foot = document.createElement("span");
    foot.className = "foot";
    if (photo.text_match) {  // the searched words are written in it: as _cards.html shows it
      link.classList.add("written");
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.title = T.text_badge_title;
      badge.textContent = T.text_badge;
      link.append(badge);
      const written = photo.text_match.lines.map((line) => line.text).join(" · ");
      if (written) {
        const words = document.createElement("span");
        words.className = "words";
        words.textContent = written.length > 80 ? written.slice(0, 79) + "…" : written;
        foot.append(words);
      }
    }
    foot.append(caption);
    link.append(foot);
    return link;
  }

  async function loadMore() {
    if (loading || !nextOffset) return;
    loading = true;
    const params = new URLSearchParams(window.location.search);
    params.set("offset", nextOffset);
    if (!params.has("lang")) params.set("lang", document.documentElement.lang);  // the page's
    more.textContent = T.loading;
    try {
      const response = await fetch("/api/search?" + params.toString(), { credentials: "same-origin" });
      const page = await response.json();
      if (!response.ok) throw new Error(page.error ? page.error.message : response.statusText);
      page.results.forEach((photo) => grid.append(card(photo)));
      nextOffset = page.next_offset === null ? "" : String(page.next_offset);
      more.textContent = nextOffset ? "" : T.no_more_results;
    } catch (error) {
      more.textContent = T.more_results_failed.replace("{error}", error.message);
      nextOffset = "";
    } finally {
      loading = false;
    }
    if (nextOffset) {  // observed anew: a page too short to move it out of view loads the next
      observer.unobserve(more);
      observer.observe(more);
    }
  }

  more.textContent = "";
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  }, { rootMargin: "600px" });
  observer.observe(more);
})();
