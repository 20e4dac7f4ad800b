// The timeline on the home page: the next page loads as the bottom comes near (infinite
// scroll), and the scrubber jumps to a month, loading from that month's cursor when it is not
// on the page yet. Without this file the page's links do the same a page at a time.
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
  let loading = null;
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
    const about = T[key].replace("{date}", taken).replace("{place}", photo.place);
    return T.alt_named.replace("{about}", about).replace("{name}", photo.name);
  }

  function dayOf(found) {
    const sections = timeline.querySelectorAll("section.month");
    let month = sections[sections.length - 1];
    if (!month || month.dataset.month !== found.month) {
      month = document.createElement("section");
      month.className = "month";
      month.dataset.month = found.month;
      const header = document.createElement("h2");
      header.className = "month-header";
      header.textContent = found.monthLabel;
      month.append(header);
      timeline.append(month);
    }
    const days = month.querySelectorAll(".day");
    let day = days[days.length - 1];
    if (!day || day.dataset.day !== found.day) {
      if (found.dayLabel) {
        const header = document.createElement("h3");
        header.className = "day-header";
        header.textContent = found.dayLabel;
        month.append(header);
      }
      day = document.createElement("div");
      day.className = "day";
      day.dataset.day = found.day;
      month.append(day);
    }
    return day;
  }

  function load() {
    if (loading || !nextCursor) return loading;
    const url = api + (api.includes("?") ? "&" : "?") + "cursor=" + encodeURIComponent(nextCursor);
    more.textContent = T.loading;
    const asked = generation;
    loading = fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then((page) => {
        if (asked !== generation) return;
        page.photos.forEach((photo) => {
          const found = keys(photo);
          dayOf(found).append(tile(photo, found));
        });
        nextCursor = page.next_cursor;
        more.textContent = "";
      })
      .catch((error) => { more.textContent = T.more_photos_failed.replace("{error}", error.message); })
      .finally(() => { if (asked === generation) loading = null; });
    return loading;
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
        nextCursor = link.dataset.cursor;
        history.replaceState(null, "", link.href);
        load().then(() => timeline.scrollIntoView({ block: "start" }));
      }
      scrubber.querySelectorAll("a[aria-current]").forEach((a) => a.removeAttribute("aria-current"));
      link.setAttribute("aria-current", "true");
    });
  }
})();
