// Progressive enhancement: everything works without this file; with it, results scroll on
// without page loads, and filter controls apply as soon as they change.
(function () {
  "use strict";

  const scoreInput = document.getElementById("min-score");
  const scoreValue = document.getElementById("min-score-value");
  const filters = document.getElementById("filters");
  if (scoreInput && scoreValue) {
    scoreInput.addEventListener("input", () => { scoreValue.textContent = Number(scoreInput.value).toFixed(2); });
  }
  if (filters) {
    filters.querySelectorAll("select, input[type=range], input[type=date], input[type=checkbox]").forEach((control) => {
      control.addEventListener("change", () => filters.requestSubmit());
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
    const image = document.createElement("img");
    image.src = photo.thumbnail_url;
    image.alt = photo.name;
    image.loading = "lazy";
    const caption = document.createElement("span");
    caption.className = "caption";
    caption.textContent = photo.name;
    link.append(image);
    if (photo.score !== null) {  // null: found by place or date alone
      const score = document.createElement("span");
      score.className = "score";
      score.textContent = photo.score.toFixed(3);
      link.append(score);
    }
    link.append(caption);
    return link;
  }

  async function loadMore() {
    if (loading || !nextOffset) return;
    loading = true;
    const params = new URLSearchParams(window.location.search);
    params.set("offset", nextOffset);
    more.textContent = "Loading…";
    try {
      const response = await fetch("/api/search?" + params.toString(), { credentials: "same-origin" });
      const page = await response.json();
      if (!response.ok) throw new Error(page.error ? page.error.message : response.statusText);
      page.results.forEach((photo) => grid.append(card(photo)));
      nextOffset = page.next_offset === null ? "" : String(page.next_offset);
      more.textContent = nextOffset ? "" : "No more results above the minimum score.";
    } catch (error) {
      more.textContent = "Could not load more results: " + error.message;
      nextOffset = "";
    } finally {
      loading = false;
    }
  }

  more.textContent = "";
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  }, { rootMargin: "600px" }).observe(more);
})();
