// The review page: viewed marks, lazy files, context expansion, gray hunks, findings (accept,
// dismiss), keyboard, live progress.
(function () {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---- viewed marks -------------------------------------------------------------------------
  function updateViewedCount() {
    document.getElementById("viewed-count").textContent =
      document.querySelectorAll("section.file.viewed").length;
  }

  let savingMarks = 0;  // viewed marks in flight; the live refresh waits for them

  async function setViewed(section, viewed) {
    const box = section.querySelector(".viewed-toggle");
    savingMarks += 1;
    let response;
    try {
      response = await fetch(section.dataset.viewedUrl, {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({viewed: viewed}),
        credentials: "same-origin",
      });
    } catch (error) {
      response = null;
    } finally {
      savingMarks -= 1;
    }
    if (!response || !response.ok) { box.checked = !viewed; return; }
    box.checked = viewed;
    section.classList.toggle("viewed", viewed);
    const item = document.querySelector(`.file-list li[data-file="${section.dataset.file}"]`);
    if (item) item.classList.toggle("viewed", viewed);
    updateViewedCount();
  }

  root.addEventListener("change", (event) => {
    if (event.target.classList.contains("viewed-toggle")) {
      setViewed(event.target.closest("section.file"), event.target.checked);
    }
  });

  // ---- lazy files ---------------------------------------------------------------------------
  async function loadFile(section) {
    if (!section.dataset.src || section.dataset.loading) return;
    section.dataset.loading = "1";
    const response = await fetch(section.dataset.src, {credentials: "same-origin"});
    const body = section.querySelector(".file-body");
    body.innerHTML = response.ok ? await response.text()
      : `<p class="error">Could not load this file (${response.status}).</p>`;
    delete section.dataset.src;
    applyShowAll();
  }

  function observeLazyFiles() {
    const lazy = Array.from(document.querySelectorAll("section.file[data-src]"));
    if (!("IntersectionObserver" in window)) { lazy.forEach(loadFile); return; }
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); loadFile(entry.target); }
      }
    }, {rootMargin: "1500px 0px"});
    lazy.forEach((section) => observer.observe(section));
  }
  observeLazyFiles();

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button.load-large");
    if (!button) return;
    const section = button.closest("section.file");
    section.dataset.src = section.dataset.largeSrc;
    button.disabled = true;
    button.textContent = "Loading…";
    loadFile(section);
  });

  // ---- context expansion --------------------------------------------------------------------
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button.expand");
    if (!button) return;
    const section = button.closest("section.file");
    const params = new URLSearchParams({first: button.dataset.first, last: button.dataset.last,
                                        offset: button.dataset.offset});
    const response = await fetch(`${section.dataset.contextUrl}?${params}`, {credentials: "same-origin"});
    if (!response.ok) { button.textContent = "could not load context"; return; }
    const tbody = document.createElement("tbody");
    tbody.className = "expanded-context";
    tbody.innerHTML = await response.text();
    button.closest("tbody").replaceWith(tbody);
  });

  // ---- gray hunks ---------------------------------------------------------------------------
  const showAll = document.getElementById("show-all");
  const showAllKey = `squiggle-show-all-${root.dataset.changeSet}`;
  function applyShowAll() { document.body.classList.toggle("show-all", showAll.checked); }
  showAll.checked = localStorage.getItem(showAllKey) === "1";
  applyShowAll();
  showAll.addEventListener("change", () => {
    localStorage.setItem(showAllKey, showAll.checked ? "1" : "0");
    applyShowAll();
  });
  root.addEventListener("click", (event) => {
    const header = event.target.closest("tbody.tier-gray tr.hunk-header");
    if (header) header.closest("tbody").classList.toggle("expanded");
  });

  // ---- finding cards ------------------------------------------------------------------------
  // Hovering or focusing a squiggle shows its card; clicking it (or `f`) pins the card open so
  // its buttons can be used: accept the fix, or dismiss with a reason.
  let pinned = null;  // the pinned card's squiggle
  function cardOf(squiggle) { return document.getElementById(`finding-${squiggle.dataset.finding}`); }
  function showCard(squiggle) {
    const card = cardOf(squiggle);
    if (!card) return;
    const rect = squiggle.getBoundingClientRect();
    card.hidden = false;
    card.style.top = `${window.scrollY + rect.bottom + 4}px`;
    card.style.left = `${Math.max(8, window.scrollX + rect.left - 20)}px`;
  }
  function hideCards() {
    document.querySelectorAll(".finding-card").forEach((c) => {
      if (!pinned || c !== cardOf(pinned)) c.hidden = true;
    });
  }
  function unpin() {
    if (pinned) pinned.classList.remove("current-finding");
    document.querySelectorAll(".finding-card.pinned").forEach((c) => { c.classList.remove("pinned"); c.hidden = true; });
    pinned = null;
  }
  function pin(squiggle) {
    unpin();
    pinned = squiggle;
    squiggle.classList.add("current-finding");
    showCard(squiggle);
    const card = cardOf(squiggle);
    if (card) card.classList.add("pinned");
  }
  root.addEventListener("mouseover", (e) => { const s = e.target.closest(".squiggle"); if (s) showCard(s); });
  root.addEventListener("mouseout", (e) => {
    const to = e.relatedTarget;
    if (to && (to.closest(".finding-card") || to.closest(".squiggle"))) return;
    if (e.target.closest(".squiggle") || e.target.closest(".finding-card")) hideCards();
  });
  root.addEventListener("focusin", (e) => { const s = e.target.closest(".squiggle"); if (s) showCard(s); });
  root.addEventListener("focusout", (e) => {
    if (!(e.relatedTarget && e.relatedTarget.closest(".finding-card"))) hideCards();
  });
  root.addEventListener("click", (e) => {
    const squiggle = e.target.closest(".squiggle");
    if (squiggle) { pin(squiggle); return; }
    if (pinned && !e.target.closest(".finding-card")) unpin();
  });

  function openSquiggles() {  // findings still waiting for a verdict, in page order
    return Array.from(document.querySelectorAll(".squiggle[data-finding]")).filter((s) => {
      const card = cardOf(s);
      return card && card.classList.contains("state-open");
    });
  }
  function stepFinding(delta) {
    const items = openSquiggles();
    if (!items.length) return;
    const index = pinned ? items.indexOf(pinned) : -1;
    const next = items[(index + delta + items.length) % items.length];
    next.scrollIntoView({block: "center"});
    pin(next);
  }

  async function postVerdict(card, url, body) {
    const error = card.querySelector(".finding-error");
    error.hidden = true;
    let response;
    try {
      response = await fetch(url, {
        method: "POST", credentials: "same-origin", body: body,
        headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"},
      });
    } catch (failure) { response = null; }
    const data = response ? await response.json().catch(() => ({})) : {};
    if (!response || !response.ok) {
      error.textContent = data.error || "Squiggle could not save this; try again.";
      error.hidden = false;
      return null;
    }
    return data;
  }
  function adjustCount(id, delta, words) {
    const summary = document.getElementById("findings-summary");
    let element = document.getElementById(id);
    if (!element) {
      element = document.createElement("span");
      element.id = id;
      element.className = "meta";
      element.dataset.count = "0";
      summary.insertBefore(element, document.getElementById("config-applied"));
    }
    const count = Number(element.dataset.count || parseInt(element.textContent, 10) || 0) + delta;
    element.dataset.count = count;
    element.textContent = words(count);
  }
  async function dismissFinding(card, reason) {
    const form = new FormData();
    form.append("reason", reason);
    const data = await postVerdict(card, card.dataset.dismissUrl, form);
    if (!data) return;
    card.classList.replace("state-open", "state-dismissed");
    document.querySelectorAll(`.squiggle[data-finding="${card.dataset.finding}"]`).forEach((s) => {
      s.classList.remove("squiggle", "current-finding");
      s.classList.add("dismissed-finding");
      s.removeAttribute("tabindex");
    });
    pinned = null;
    card.classList.remove("pinned");
    card.hidden = true;
    adjustCount("dismissed-count", 1, (n) => `${n} dismissed`);
  }
  async function acceptFinding(card) {
    const data = await postVerdict(card, card.dataset.acceptUrl, null);  // an empty multipart body stalls daphne
    if (!data) return;
    card.classList.replace("state-open", "state-accepted");
    card.querySelector(".finding-actions").hidden = true;
    const suggestion = card.querySelector(".suggestion");
    suggestion.querySelector(".patch").textContent = data.patch;
    suggestion.querySelector(".download-patch").href = data.patch_url;
    suggestion.hidden = false;
    document.querySelectorAll(`.squiggle[data-finding="${card.dataset.finding}"]`).forEach(
      (s) => s.classList.add("accepted"));
  }
  async function copyPatch(card) {
    const text = card.querySelector(".patch").textContent;
    const button = card.querySelector(".copy-patch");
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (failure) {  // no clipboard permission: select it for Ctrl+C instead
      const range = document.createRange();
      range.selectNodeContents(card.querySelector(".patch"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = "Selected: press Ctrl+C";
    }
  }
  root.addEventListener("click", (e) => {
    const card = e.target.closest(".finding-card");
    if (!card) return;
    if (e.target.closest(".accept-finding")) acceptFinding(card);
    const dismiss = e.target.closest(".dismiss-finding");
    if (dismiss) dismissFinding(card, dismiss.dataset.reason);
    if (e.target.closest(".copy-patch")) copyPatch(card);
  });
  const DISMISS_KEYS = {"1": "false_positive", "2": "wont_fix", "3": "not_important"};
  function findingKey(key) {
    if (key === "f") { stepFinding(1); return true; }
    if (key === "F") { stepFinding(-1); return true; }
    const card = pinned ? cardOf(pinned) : null;
    if (!card || !card.classList.contains("state-open")) return false;
    if (key === "a" && card.querySelector(".accept-finding")) { acceptFinding(card); return true; }
    if (DISMISS_KEYS[key]) { dismissFinding(card, DISMISS_KEYS[key]); return true; }
    return false;
  }

  // ---- keyboard navigation ------------------------------------------------------------------
  let current = null;
  function focusElement(element) {
    if (!element) return;
    if (current) current.classList.remove("current");
    current = element;
    current.classList.add("current");
    current.scrollIntoView({block: "start"});
    const section = current.closest("section.file") || current;
    loadFile(section);
  }
  function currentFile() {
    if (current) return current.closest("section.file");
    return Array.from(document.querySelectorAll("section.file")).find(
      (s) => s.getBoundingClientRect().bottom > 60) || null;
  }
  function step(selector, delta) {
    const items = Array.from(document.querySelectorAll(selector));
    if (!items.length) return;
    let index = current ? items.indexOf(current.matches(selector) ? current : current.closest(selector)) : -1;
    if (index === -1 && current) {
      // From a file to its hunks (or back): nearest item after the current position.
      const top = current.getBoundingClientRect().top;
      index = items.findIndex((el) => el.getBoundingClientRect().top > top) - (delta > 0 ? 1 : 0);
    }
    focusElement(items[Math.min(items.length - 1, Math.max(0, index + delta))]);
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "Escape" && pinned) { unpin(); event.preventDefault(); return; }
    if (findingKey(event.key)) { event.preventDefault(); return; }
    switch (event.key) {
      case "j": step("tbody.hunk", 1); break;
      case "k": step("tbody.hunk", -1); break;
      case "n": step("section.file", 1); break;
      case "p": step("section.file", -1); break;
      case "g": step("tbody.hunk.tier-key", 1); break;
      case "v": {
        const section = currentFile();
        if (section) setViewed(section, !section.classList.contains("viewed"));
        break;
      }
      case "e":
        if (current && current.matches("tbody.tier-gray")) current.classList.toggle("expanded");
        break;
      case "?": document.getElementById("help").showModal(); break;
      default: return;
    }
    event.preventDefault();
  });
  document.getElementById("help-button").addEventListener("click",
    () => document.getElementById("help").showModal());
  document.getElementById("revision-select").addEventListener("change",
    (event) => { window.location = event.target.value; });

  // ---- live analysis progress ---------------------------------------------------------------
  // Progress arrives over the socket (Redis set-ups) and by polling (always: the embedded default
  // has no channel layer shared with its worker). Each finished stage swaps the new tiers,
  // findings and order into the page in place; no reload.
  const status = document.getElementById("job-status");
  const retryForm = document.getElementById("retry-form");
  const revision = Number(root.dataset.revision);
  let finished = ["done", "failed"].includes(root.dataset.jobState);
  let stagesShown = Number(root.dataset.stagesDone || 0);
  let refreshing = false;
  let refreshAgain = false;

  // Swap in the server's current results. A request while one is in flight runs after it, so
  // the last stage's results are never dropped; `data-results="final"` marks the page complete.
  async function refreshResults() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    const final = finished;
    try {
      while (savingMarks > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await fetch(location.pathname + location.search, {credentials: "same-origin"});
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("#review .layout");
      if (!fresh) return;
      const currentId = current ? current.id : null;
      const scroll = window.scrollY;
      root.querySelector(".layout").replaceWith(document.importNode(fresh, true));
      // A stage's warnings (e.g. a file the bug detector read only from its hunks) sit above.
      const warnings = page.querySelector("#review-warnings");
      const shown = document.getElementById("review-warnings");
      if (warnings && shown) shown.replaceWith(document.importNode(warnings, true));
      window.scrollTo(0, scroll);
      current = currentId ? document.getElementById(currentId) : null;
      if (current) current.classList.add("current");
      observeLazyFiles();
      applyShowAll();
      updateViewedCount();
      if (pinned) {  // the same finding's card stays open on the fresh page
        const again = document.querySelector(`.squiggle[data-finding="${pinned.dataset.finding}"]`);
        pinned = null;
        if (again) pin(again);
      }
      if (final) root.dataset.results = "final";
      root.dispatchEvent(new CustomEvent("squiggle:refreshed"));
    } finally {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; refreshResults(); }
    }
  }

  function showJob(data) {
    const job = data.job;
    if (!job || data.revision !== revision) return;  // another revision's analysis
    status.className = `state state-${job.state}`;
    const bar = document.getElementById("job-progress");
    if (typeof job.progress === "number") bar.value = job.state === "done" ? 1 : job.progress;
    bar.hidden = ["done", "failed"].includes(job.state);
    retryForm.hidden = job.state !== "failed";
    if (job.state === "done") {
      status.textContent = finished ? "" : "analysis done";
    } else if (job.state === "failed") {
      status.textContent = `analysis failed${job.stage ? " in " + job.stage : ""}: ${job.error}`;
    } else {
      const percent = typeof job.progress === "number" ? ` (${Math.round(job.progress * 100)}%)` : "";
      status.textContent = `analysis ${job.state}${job.stage ? ": " + job.stage : ""}${percent}`;
    }
    const stagesDone = Object.keys(job.timings || {}).length;
    const justFinished = !finished && ["done", "failed"].includes(job.state);
    if (justFinished) {
      finished = true;
      root.dataset.jobState = job.state;
    }
    if (stagesDone > stagesShown || justFinished) {
      stagesShown = stagesDone;
      refreshResults();
    }
  }

  if (!finished) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    try {
      const socket = new WebSocket(
        `${scheme}://${location.host}/ws/reviews/${root.dataset.changeSet}/r/${revision}/`);
      socket.onmessage = (event) => {
        const data = JSON.parse(event.data);
        // Which job states arrived over the socket (not by polling): for debugging and tests.
        const seen = new Set((root.dataset.socketStates || "").split(" ").filter(Boolean));
        if (data.job && data.job.state) seen.add(data.job.state);
        root.dataset.socketStates = Array.from(seen).join(" ");
        showJob(data);
      };
    } catch (error) { /* polling below still reports progress */ }
    const poll = setInterval(async () => {
      if (finished) { clearInterval(poll); return; }
      try {
        const response = await fetch(root.dataset.statusUrl, {credentials: "same-origin"});
        if (response.ok) showJob(await response.json());
      } catch (error) { /* the server restarting: try again next time */ }
    }, 2000);
  }
})();
