// The full-screen viewer over every photo grid of a page: the tiles of each [data-gallery]
// (search results, the timeline; those added later by scrolling too), in page order.
// PhotoSwipe does the showing, stepping (arrow keys, swipe), zooming and closing; this file
// hands it the tiles, keeps ?photo=ID in the URL (so back, forward, reload and a shared link
// open the same photo) and adds the info panel. Without JavaScript a tile is a link to the
// photo's page.
// the tiles, by the shared markup; a video's opens its page, where it plays
const TILES = "[data-gallery] a[data-photo-id]:not([data-media=video])";
const PANEL = 352; // the info panel's width on a wide screen (viewer.css: 22rem)
const PREVIEW = 1600; // the preview's long side (imaging/thumbnails.py SIZES)
const DRAWN = new Set(["JPEG", "PNG", "WEBP", "GIF", "BMP"]); // originals a browser can show
const details = new Map(); // photo id -> its /api/photos/ID, fetched once
// The page's words, in its language (base.html: language.script_messages).
const T = JSON.parse(document.getElementById("page-messages").textContent);

let viewer = null; // the open PhotoSwipe
let source = () => []; // the tiles it steps through
let showInfo = false;

const pageTiles = () => [...document.querySelectorAll(TILES)];

/** A tile as PhotoSwipe's slide: the preview first; zoomed in, the original (srcset). */
function slide(tile) {
  const data = tile.dataset;
  const thumb = tile.querySelector("img");
  const width = Number(data.width) || PREVIEW;
  const height = Number(data.height) || PREVIEW;
  const scale = Math.min(1, PREVIEW / Math.max(width, height));
  const item = { element: tile, id: data.photoId, alt: thumb ? thumb.alt : "", thumbCropped: true,
    msrc: thumb ? thumb.currentSrc || thumb.src : undefined, src: data.preview,
    width: Math.round(width * scale), height: Math.round(height * scale) };
  const drawn = !data.format || DRAWN.has(data.format.toUpperCase());
  if (scale < 1 && drawn && data.original) {
    Object.assign(item, { width, height,
      srcset: `${data.preview} ${item.width}w, ${data.original} ${width}w` });
  }
  return item;
}

function urlWith(id) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("photo", id);
  else url.searchParams.delete("photo");
  return url;
}

async function open(tiles, index, pushed) {
  // PhotoSwipe is fetched when a photo is first opened, not with every page.
  const { default: PhotoSwipe } = await import("./vendor/photoswipe/photoswipe.esm.min.js");
  if (viewer) return;
  source = tiles;
  viewer = new PhotoSwipe({
    dataSource: [], index, loop: false, bgOpacity: 1, secondaryZoomLevel: 1, maxZoomLevel: 4,
    // The open info panel takes the right of a wide screen: the photo fits beside it.
    paddingFn: (size) => ({ top: 0, bottom: 0, left: 0, right: showInfo && size.x >= 720 ? PANEL : 0 }),
    closeTitle: T.close, zoomTitle: T.zoom, arrowPrevTitle: T.previous,
    arrowNextTitle: T.next, errorMsg: T.photo_failed,
  });
  viewer.addFilter("numItems", () => source().length);
  viewer.knownEnd = source().length; // where the slides ended when last looked at
  viewer.addFilter("itemData", (_, i) => slide(source()[i]));
  viewer.on("uiRegister", () => registerInfo(viewer));
  // → on the last photo loaded steps on once the next ones come.
  viewer.on("keydown", ({ originalEvent: key }) => {
    if (key.key === "ArrowRight") viewer.stepAsked = viewer.currIndex === source().length - 1;
  });
  // Busy while it opens: PhotoSwipe takes no Esc before its opening animation ends.
  viewer.on("firstUpdate", () => {
    viewer.element.setAttribute("aria-label", T.viewer); // the dialog's name
    viewer.element.setAttribute("aria-busy", "true");
  });
  viewer.on("openingAnimationEnd", () => viewer.element.removeAttribute("aria-busy"));
  viewer.on("change", () => {
    history.replaceState(history.state, "", urlWith(viewer.currSlide.data.id));
    if (showInfo) fillInfo(viewer);
    // Near the last photo loaded, a grid that grows (the timeline) is asked for more.
    if (viewer.currIndex >= source().length - 3) document.dispatchEvent(new Event("viewer:end"));
  });
  viewer.on("close", () => {
    if (viewer.closedByHistory) return;
    if (history.state && history.state.viewer) history.back(); // the entry opening pushed
    else history.replaceState(history.state, "", urlWith(null));
  });
  viewer.on("destroy", () => {
    const tile = viewer.currSlide && viewer.currSlide.data.element;
    viewer = null;
    if (!tile || !tile.isConnected) return;
    const box = tile.getBoundingClientRect(); // stepped to a photo out of view: bring it in
    if (box.bottom < 0 || box.top > window.innerHeight) tile.scrollIntoView({ block: "center" });
  });
  if (pushed) history.pushState({ viewer: true }, "", urlWith(slide(tiles()[index]).id));
  viewer.init();
}

/** The photo named in the URL: its tile on the page, else a tile made from its JSON alone. */
async function openFromUrl() {
  const id = new URL(window.location.href).searchParams.get("photo");
  if (!id || viewer) return;
  const index = pageTiles().findIndex((tile) => tile.dataset.photoId === id);
  if (index >= 0) return open(pageTiles, index, false);
  const photo = await photoDetails(id).catch(() => null);
  if (!photo || viewer) return;
  const tile = document.createElement("a");
  tile.className = "tile";
  Object.assign(tile.dataset, { photoId: photo.id, width: photo.width || "",
    height: photo.height || "", format: photo.format || "", original: photo.original_url,
    preview: photo.preview_url });
  open(() => [tile], 0, false);
}

function photoDetails(id) {
  if (!details.has(id)) {
    details.set(id, fetch(`/api/photos/${id}`, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error(response.statusText);
      return response.json();
    }));
    details.get(id).catch(() => details.delete(id)); // asked again next time
  }
  return details.get(id);
}

// The info panel: a button in the top bar and the key i show it; it follows the photo.
function registerInfo(pswp) {
  pswp.ui.registerElement({
    name: "info-button", order: 9, isButton: true, title: T.info_button,
    html: '<svg aria-hidden="true" class="pswp__icn" viewBox="0 0 32 32" width="32" height="32">'
      + '<circle cx="16" cy="16" r="9" fill="none" stroke="currentColor" stroke-width="2"/>'
      + '<path d="M16 14.5v7M16 10.5v1.5" stroke="currentColor" stroke-width="2.4"/></svg>',
    onInit: (button) => button.setAttribute("aria-expanded", String(showInfo)),
    onClick: () => toggleInfo(pswp),
  });
  pswp.ui.registerElement({
    name: "info", appendTo: "root", tagName: "aside",
    onInit: (panel) => {
      panel.id = "viewer-info";
      panel.setAttribute("aria-label", T.info);
      panel.setAttribute("aria-live", "polite");
      panel.hidden = !showInfo;
    },
  });
  pswp.on("keydown", ({ originalEvent: key }) => {
    if (key.key === "i" && !key.ctrlKey && !key.metaKey && !key.altKey) toggleInfo(pswp);
  });
  pswp.on("afterInit", () => { if (showInfo) fillInfo(pswp); });
}

function toggleInfo(pswp) {
  showInfo = !showInfo;
  pswp.element.querySelector(".pswp__button--info-button")
    .setAttribute("aria-expanded", String(showInfo));
  pswp.element.querySelector("#viewer-info").hidden = !showInfo;
  pswp.updateSize(true); // the photo moves beside the panel, or back
  if (showInfo) fillInfo(pswp);
}

async function fillInfo(pswp) {
  const panel = pswp.element && pswp.element.querySelector("#viewer-info");
  const id = pswp.currSlide.data.id;
  if (!panel) return;
  panel.replaceChildren(element("p", T.loading));
  let photo;
  try {
    photo = await photoDetails(id);
  } catch (error) {
    photo = null;
  }
  if (!pswp.currSlide || pswp.currSlide.data.id !== id) return; // stepped on meanwhile
  if (!photo) return panel.replaceChildren(element("p", T.details_failed));
  const rows = [
    [T.taken, photo.taken_at ? photo.taken_at.replace("T", " ") : T.unknown],
    [T.place, photo.place ? photo.place + (photo.place_region ? ` (${photo.place_region})` : "") : T.unknown],
    [T.camera, photo.camera || T.unknown],
    [T.size, `${photo.width} × ${photo.height} px, ${(photo.size / 1e6).toFixed(2)} MB ${photo.format || ""}`.trim()],
    [T.folder, photo.folder],
    [T.text, writtenText(photo.text)],
  ];
  const list = element("dl");
  for (const [name, value] of rows) list.append(element("dt", name), element("dd", value));
  const links = element("p");
  links.className = "links";
  links.append(
    link(`/?like=${photo.id}`, T.more_like_this, "viewer-more-like-this"),
    link(photo.url, T.photo_page),
    link(photo.original_url, T.original),
  );
  panel.replaceChildren(element("h2", photo.name), list, links);
}

function writtenText(text) {
  if (!text) return T.not_read;
  if (text.failure) return T.text_failed.replace("{reason}", text.failure.message || text.failure.kind);
  return text.lines.length ? text.lines.map((line) => line.text).join(" · ") : T.none_found;
}

function element(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(href, text, id) {
  const node = element("a", text);
  node.href = href;
  if (id) node.id = id;
  return node;
}

document.addEventListener("click", (event) => {
  const tile = event.target.closest(TILES);
  if (!tile || event.defaultPrevented || event.button !== 0) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return; // a new tab
  event.preventDefault();
  open(pageTiles, pageTiles().indexOf(tile), true);
});

// Photos added after the last one shown: the viewer can step on to them.
document.addEventListener("gallery:grown", () => {
  if (!viewer || source !== pageTiles) return;
  const next = viewer.currIndex + 1;
  if (next === viewer.knownEnd && next < source().length) viewer.refreshSlideContent(next);
  viewer.knownEnd = source().length;
  if (viewer.stepAsked && next < source().length) viewer.next();
  viewer.stepAsked = false;
});

window.addEventListener("popstate", () => {
  const id = new URL(window.location.href).searchParams.get("photo");
  if (viewer && !id) {
    viewer.closedByHistory = true;
    viewer.close();
  } else if (viewer) {
    const index = source().findIndex((tile) => tile.dataset.photoId === id);
    if (index >= 0 && index !== viewer.currIndex) viewer.goTo(index);
  } else {
    openFromUrl();
  }
});

openFromUrl();
