// The timeline on the home page: the next page loads as the bottom comes near (infinite
// scroll), and the scrubber jumps to a month, loading from that month's cursor when it is not
// on the page yet; from there, scrolling up loads the newer photos above. The scrubber marks
// the month at the top of the screen. Without this file the page's links do the same a page
// at a time.
(function () {
  "use strict";
  // The page's words, in its language (base.html: language.script_messages).
  const T = JSON.parse(document.getElementById("page-messages").textContent);

  const timeline = document.getElementById("timeline");
  const more = document.getElementById("timeline-more");
  const scrubber = document.getElementById("scrubber");
  if (!timeline || !more) return;

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const language = document.documentElement.lang;
  // Other languages than English: their dates as the browser writes them, as Babel does.
  const written = (options) => new Intl.DateTimeFormat(language, { timeZone: "UTC", ...options });
  const IN_LANGUAGE = language === "en" ? null : {
    month: written({ year: "numeric", month: "long" }),
    day: written({ month: "long", day: "numeric", weekday: "short" }),
    taken: written({ year: "numeric", month: "long", day: "numeric" }),
  };
  const api = timeline.dataset.api;
  let nextCursor = timeline.dataset.nextCursor || null;
  let previousCursor = timeline.dataset.previousCursor || null;
  let loading = null;
  let loadingNewer = null;
  let generation = 0;  // bumped by a jump: a page asked for before it is dropped

  const pad = (n) => String(n).padStart(2, "0");

  // Headers as the server writes them: "March 2021", "Fri 5 March"; undated: "No date".
  function keys(photo) {
    if (!photo.taken_at) return { month: "undated", monthLabel: T.no_date, day: "undated", dayLabel: "" };
    const [date] = photo.taken_at.split("T");
    const [year, month, day] = date.split("-").map(Number);
    const utc = new Date(Date.UTC(year, month - 1, day));
    if (IN_LANGUAGE) {
      return {
        month: `${year}-${pad(month)}`, monthLabel: IN_LANGUAGE.month.format(utc),
        day: date, dayLabel: IN_LANGUAGE.day.format(utc), taken: IN_LANGUAGE.taken.format(utc),
      };
    }
    const weekday = DAYS[utc.getUTCDay()];
    return {
      month: `${year}-${pad(month)}`, monthLabel: `${MONTHS[month - 1]} ${year}`,
      day: date, dayLabel: `${weekday} ${day} ${MONTHS[month - 1]}`,
      taken: `${day} ${MONTHS[month - 1]} ${year}`,
    };
  }

  function tile(photo, found) {
    const link = document.createElement("a");
    link.className = "tile";
    link.href = photo.url;
    link.dataset.photoId = photo.id;
    link.dataset.width = photo.width || "";
    link.dataset.height = photo.height || "";
    link.dataset.original = photo.original_url;
    link.dataset.preview = photo.preview_url;
    link.dataset.format = photo.format || "";
    link.dataset.media = photo.media || "photo"; // a video's opens its page (viewer.js)
    const ratio = photo.width && photo.height ? photo.width / photo.height : 1;
    link.style.setProperty("--ratio", ratio.toFixed(4));
    const image = document.createElement("img");
    image.src = photo.thumbnail_url;
    image.loading = "lazy";
    if (photo.width && photo.height) { image.width = photo.width; image.height = photo.height; }
    image.alt = altText(photo, found.taken);
    link.append(image);
    return link;
  }

  // As web/queries.py's alt_text: "Photo taken 5 March 2021 in Lisbon, Portugal: IMG_1.jpg".
  function altText(photo, taken) {
    const key = taken && photo.place ? "alt_taken_place" : taken ? "alt_taken" : photo.place ? "alt_place" : "alt";
    const said = photo.media === "video" ? T[key.replace("alt", "alt_video")] : T[key];
    const about = said.replace("{date}", taken).replace("{place}", photo.place);
    return T.alt_named.replace("{about}", about).replace("{name}", photo.name);
  }

  // The day's row a photo goes in, made with its headers when new: at the end of the
  // timeline for an older photo, at its start for a newer one.
  function dayOf(found, atStart) {
    const sections = timeline.querySelectorAll("section.month");
    let month = atStart ? sections[0] : sections[sections.length - 1];
    if (!month || month.dataset.month !== found.month) {
      month = document.createElement("section");
      month.className = "month";
      month.dataset.month = found.month;
      const header = document.createElement("h2");
      header.className = "month-header";
      header.textContent = found.monthLabel;
      month.append(header);
      if (atStart && sections[0]) sections[0].before(month);
      else timeline.append(month);
    }
    const days = month.querySelectorAll(".day");
    let day = atStart ? days[0] : days[days.length - 1];
    if (!day || day.dataset.day !== found.day) {
      const header = found.dayLabel ? document.createElement("h3") : null;
      if (header) {
        header.className = "day-header";
        header.textContent = found.dayLabel;
      }
      day = document.createElement("div");
      day.className = "day";
      day.dataset.day = found.day;
      if (atStart) month.querySelector(".month-header").after(...[header, day].filter(Boolean));
      else month.append(...[header, day].filter(Boolean));
    }
    return day;
  }

  function fetchPage(parameter, cursor) {
    const url = api + (api.includes("?") ? "&" : "?") + parameter + "=" + encodeURIComponent(cursor);
    return fetch(url, { headers: { Accept: "application/json" } }).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    });
  }

  function load() {
    if (loading || !nextCursor) return loading;
    more.textContent = T.loading;
    const asked = generation;
    const first = !timeline.querySelector("a.tile");
    loading = fetchPage("cursor", nextCursor)
      .then((page) => {
        if (asked !== generation) return;
        page.photos.forEach((photo) => {
          const found = keys(photo);
          dayOf(found, false).append(tile(photo, found));
        });
        nextCursor = page.next_cursor;
        if (first) {
          previousCursor = page.previous_cursor;
          watchTop();  // observed afresh: the top may be in view already
        }
        more.textContent = "";
        timeline.dispatchEvent(new CustomEvent("gallery:grown", { bubbles: true }));
      })
      .catch((error) => { more.textContent = T.more_photos_failed.replace("{error}", error.message); })
      .finally(() => { if (asked === generation) loading = null; });
    return loading;
  }

  // The newer photos above a page landed on by a jump or a link: put in above the first
  // one, with the page scrolled by their height so that what was on screen stays put.
  function loadNewer() {
    if (loadingNewer || loading || !previousCursor) return loadingNewer;
    if (document.querySelector(".pswp--open")) return null;  // the viewer's places stay put
    const asked = generation;
    loadingNewer = fetchPage("before", previousCursor)
      .then((page) => {
        if (asked !== generation) return;
        const anchor = timeline.querySelector("a.tile");
        const top = anchor ? anchor.getBoundingClientRect().top : 0;
        page.photos.slice().reverse().forEach((photo) => {
          const found = keys(photo);
          dayOf(found, true).prepend(tile(photo, found));
        });
        if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
        previousCursor = page.previous_cursor;
        if (!previousCursor) document.getElementById("newest-link")?.parentElement.remove();
        timeline.dispatchEvent(new CustomEvent("gallery:grown", { bubbles: true }));
      })
      .catch(() => {})  // the link to the newest photos stays
      .finally(() => { if (asked === generation) loadingNewer = null; });
    return loadingNewer;
  }

  // Infinite scroll: a screen ahead of the bottom, the next page is asked for.
  more.textContent = "";
  const watcher = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    load()?.then(() => {
      // observed afresh: when the bottom is still near (a short page, a tall screen), the
      // observer answers again at once and the next page follows
      watcher.unobserve(more);
      watcher.observe(more);
    });
  }, { rootMargin: "0px 0px 100% 0px" });
  watcher.observe(more);

  // Near the top of a page that does not start at the newest photo, the newer ones load.
  const top = document.createElement("div");
  top.className = "timeline-top";
  timeline.prepend(top);
  const topWatcher = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    loadNewer()?.then(() => {
      topWatcher.unobserve(top);
      const watchTop = () => {
    topWatcher.unobserve(top);
    topWatcher.observe(top);
  };
  topWatcher.observe(top);
    });
  }, { rootMargin: "100% 0px 0px 0px" });
  const watchTop = () => {
    topWatcher.unobserve(top);
    topWatcher.observe(top);
  };
  topWatcher.observe(top);

  // The viewer stepping to the last photo loaded asks for the next page.
  document.addEventListener("viewer:end", () => load());

  // The scrubber marks the month at the top of the screen, and keeps it in its own view.
  let marking = false;
  function markMonth() {
    marking = false;
    if (!scrubber) return;
    // the last month begun above the top third of the screen, else the first one shown
    const line = window.innerHeight / 3;
    const sections = [...timeline.querySelectorAll("section.month")];
    const begun = sections.filter((section) => section.getBoundingClientRect().top <= line);
    const current = begun[begun.length - 1] || sections[0];
    const link = current && scrubber.querySelector(`a[data-month="${current.dataset.month}"]`);
    const marked = scrubber.querySelector("a[aria-current]");
    if (!link || link === marked) return;
    marked?.removeAttribute("aria-current");
    link.setAttribute("aria-current", "true");
    const box = link.getBoundingClientRect();
    const frame = scrubber.getBoundingClientRect();
    if (box.top < frame.top || box.bottom > frame.bottom) {
      scrubber.scrollTop += box.top - frame.top - frame.height / 2;
    }
  }
  const mark = () => { if (!marking) { marking = true; requestAnimationFrame(markMonth); } };
  window.addEventListener("scroll", mark, { passive: true });
  timeline.addEventListener("gallery:grown", mark);
  mark();

  // The scrubber: a month on the page is scrolled to; another one replaces the page's photos
  // with its own, and the address follows so that a reload lands there too.
  if (scrubber) {
    scrubber.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-cursor]");
      if (!link) return;
      event.preventDefault();
      const shown = timeline.querySelector(`section.month[data-month="${link.dataset.month}"]`);
      if (shown) {
        shown.scrollIntoView({ block: "start" });
      } else {
        timeline.querySelectorAll("section.month, p.empty").forEach((element) => element.remove());
        if (!document.getElementById("newest-link")) {
          const newest = new URL(link.href);
          newest.searchParams.delete("cursor");
          const line = document.createElement("p");
          line.className = "newest";
          line.innerHTML = '<a id="newest-link"></a>';
          line.firstChild.textContent = T.newest_photos;
          line.firstChild.href = newest.pathname + newest.search;
          timeline.prepend(line);
        }
        generation += 1;
        loading = null;
        loadingNewer = null;
        nextCursor = link.dataset.cursor;
        previousCursor = null;  // set by the first page loaded
        history.replaceState(null, "", link.href);
        load().then(() => timeline.scrollIntoView({ block: "start" }));
      }
    });
  }
})();
