// The vidu-mock dashboard: polls the fake's JSON control endpoints once a second and renders
// what they answer. Every value reaches the page through textContent or a DOM property, never
// as markup: prompts, paths and reasons are user input.
"use strict";

(() => {
  const config = JSON.parse(document.body.dataset.config);
  const api = config.endpoints;
  const TOKEN_KEY = "vidu-mock-control-token";
  // Refresh once a second (`?refresh=SECONDS` changes it, from 0.2 to 60), or less often when
  // the fake is slow to answer:
  const POLL_MS = refreshMs(new URLSearchParams(location.search).get("refresh"));
  const SLOW_FACTOR = 4; // wait at least four times as long as the last refresh took
  const LONGEST_WAIT_MS = 10000;
  const PAGE_SIZE = 50;
  const JOURNAL_ROWS = 200;
  const LONG_TEXT = 300;
  const STATUS_NAMES = {
    TASK_STATUS_QUEUED: "queued",
    TASK_STATUS_PROCESSING: "processing",
    TASK_STATUS_SUCCEED: "succeeded",
    TASK_STATUS_FAILED: "failed",
  };

  const state = {
    status: "",
    cursor: null, // the cursor of the page shown (null: the newest jobs)
    newerCursors: [], // cursors of the pages before it, for "newer"
    nextCursor: null,
    selected: null, // the task id whose detail is shown
    videoUrl: null,
    journal: [], // the latest entries, oldest first
    journalAfter: 0,
    selectedEntry: null,
    timer: null,
  };

  const $ = (id) => document.getElementById(id);

  function refreshMs(text) {
    const seconds = Number(text);
    if (text === null || !Number.isFinite(seconds)) return 1000;
    return Math.round(Math.min(60, Math.max(0.2, seconds)) * 1000);
  }

  // DOM helpers ----------------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function replaceRows(body, rows) {
    body.replaceChildren(...rows);
  }

  // Keep the rows whose data did not change (so a selection or a click is not lost to a
  // refresh), build the others, and put them all in order.
  function syncRows(body, items, keyOf, build, signatureOf = JSON.stringify) {
    const existing = new Map([...body.children].map((row) => [row.dataset.key, row]));
    const rows = items.map((item) => {
      const key = keyOf(item);
      const signature = signatureOf(item);
      const kept = existing.get(key);
      if (kept && kept.dataset.signature === signature) return kept;
      const row = build(item);
      row.dataset.key = key;
      row.dataset.signature = signature;
      return row;
    });
    rows.forEach((row, position) => {
      if (body.children[position] !== row) body.insertBefore(row, body.children[position] || null);
    });
    while (body.children.length > rows.length) body.lastElementChild.remove();
  }

  function shortId(taskId) {
    return taskId.length > 13 ? taskId.slice(0, 8) + "…" : taskId;
  }

  function statusBadge(status) {
    const name = STATUS_NAMES[status] || status;
    return el("span", { className: "status status-" + name.replace(/[^a-z]/g, "") }, name);
  }

  function outcomeText(outcome) {
    if (!outcome) return "";
    if (outcome.stuck) return "stuck " + outcome.stuck;
    if (outcome.fail) return "fails " + (outcome.stage || "processing") + ": " + outcome.fail;
    return JSON.stringify(outcome);
  }

  function seconds(value) {
    if (value === null || value === undefined) return "";
    if (value >= 3600) return (value / 3600).toFixed(1) + " h";
    if (value >= 120) return Math.round(value / 60) + " min";
    return (Math.round(value * 10) / 10) + " s";
  }

  function clockTime(epochSeconds) {
    const date = new Date(epochSeconds * 1000);
    return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function wallTime(epochSeconds) {
    return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour12: false });
  }

  function pretty(value) {
    // Long strings (data: URIs, huge prompts) are cut, so a page stays readable.
    return JSON.stringify(
      value,
      (key, item) =>
        typeof item === "string" && item.length > LONG_TEXT
          ? item.slice(0, LONG_TEXT) + "… (" + item.length + " characters)"
          : item,
      2,
    );
  }

  // Talking to the fake ------------------------------------------------------------------

  class ControlError extends Error {
    constructor(status, body) {
      super((body && body.message) || "HTTP " + status);
      this.status = status;
      this.reason = body && body.reason;
    }
  }

  async function call(method, path, body) {
    const headers = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers[config.token_header] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = null;
    }
    if (!response.ok) throw new ControlError(response.status, data);
    return data;
  }

  function query(path, params) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
    }
    const text = search.toString();
    return text ? path + "?" + text : path;
  }

  // The refresh loop ---------------------------------------------------------------------

  let running = null; // the refresh under way: one at a time, so the journal is read once
  let again = false;

  function refresh() {
    if (running) {
      again = true;
      return running;
    }
    clearTimeout(state.timer);
    running = (async () => {
      const began = performance.now();
      do {
        again = false;
        await refreshOnce();
      } while (again);
      running = null;
      const took = performance.now() - began;
      state.timer = setTimeout(tick, Math.min(LONGEST_WAIT_MS, Math.max(POLL_MS, SLOW_FACTOR * took)));
    })();
    return running;
  }

  async function refreshOnce() {
    try {
      const [clock, settings, scripts, jobs] = await Promise.all([
        call("GET", api.clock),
        call("GET", api.settings),
        call("GET", api.scripts),
        loadJobs(),
      ]);
      renderClock(clock, settings.settings);
      renderScripts(scripts);
      renderJobs(jobs);
      await refreshJournal();
      if (state.selected) await refreshDetail();
      showRefusal(null);
      setConnection("live", "live");
    } catch (error) {
      handleError(error);
    }
  }

  function tick() {
    if (document.hidden) {
      state.timer = setTimeout(tick, POLL_MS);
      return;
    }
    refresh();
  }

  function handleError(error) {
    if (error instanceof ControlError && error.status === 403) {
      showRefusal(error.message);
      setConnection("refused", "refused");
    } else if (error instanceof ControlError) {
      setConnection("error", error.message);
    } else {
      setConnection("offline", "cannot reach the fake");
    }
  }

  function setConnection(kind, text) {
    const node = $("connection");
    node.dataset.state = kind;
    node.textContent = text;
  }

  function showRefusal(message) {
    $("refusal").hidden = message === null;
    $("refusal-message").textContent = message || "";
  }

  // Clock, settings and scripts -----------------------------------------------------------

  function renderClock(clock, settings) {
    $("clock-now").textContent = clockTime(clock.now);
    $("clock-kind").textContent = clock.virtual ? "(virtual)" : "(real)";
    $("progression-now").textContent = settings.progression;
    $("clock-hint").hidden = clock.virtual;
    for (const button of document.querySelectorAll("#advance-form button, #advance-quick button")) {
      button.disabled = !clock.virtual;
    }
  }

  function renderScripts(scripts) {
    const items = scripts.next.map((script) =>
      el("li", {}, "next: " + (script.reject ? "rejected " + script.reject : outcomeText(script) || pretty(script))),
    );
    for (const [taskId, faults] of Object.entries(scripts.tasks)) {
      items.push(el("li", {}, shortId(taskId) + ": polls " + JSON.stringify(faults)));
    }
    $("pending-scripts").replaceChildren(...(items.length ? items : [el("li", { className: "muted" }, "nothing scripted")]));
  }

  // Jobs ------------------------------------------------------------------------------------

  async function loadJobs() {
    try {
      return await call("GET", query(api.jobs, { status: state.status, limit: PAGE_SIZE, cursor: state.cursor }));
    } catch (error) {
      if (!(error instanceof ControlError) || error.status !== 400 || state.cursor === null) throw error;
      firstPage(); // the cursor outlived a reset
      return call("GET", query(api.jobs, { status: state.status, limit: PAGE_SIZE }));
    }
  }

  function renderJobs(page) {
    state.nextCursor = page.next_cursor;
    $("jobs-total").textContent = page.total.toLocaleString("en") + (page.total === 1 ? " job" : " jobs");
    $("older-button").disabled = page.next_cursor === null;
    $("newer-button").disabled = state.cursor === null;
    const first = state.newerCursors.length * PAGE_SIZE;
    $("page-label").textContent = page.jobs.length ? first + 1 + "–" + (first + page.jobs.length) : "";
    $("jobs-empty").hidden = page.jobs.length > 0;
    syncRows($("jobs-body"), page.jobs, (job) => job.task_id, jobRow);
    for (const row of $("jobs-body").children) {
      row.classList.toggle("selected", row.dataset.taskId === state.selected);
    }
  }

  function jobRow(job) {
    const row = el(
      "tr",
      { dataset: { taskId: job.task_id, status: job.status } },
      el("td", { className: "mono", title: job.task_id }, shortId(job.task_id)),
      el("td", {}, statusBadge(job.status)),
      el("td", { className: "progress" }, el("progress", { max: "100", value: String(job.progress_percent) }), " " + job.progress_percent + "%"),
      el("td", { className: "num" }, job.eta ? seconds(job.eta) : ""),
      el("td", { className: "prompt", title: job.prompt }, job.prompt),
      el("td", {}, job.resolution),
      el("td", { className: "num" }, job.duration + " s"),
      el("td", { className: "outcome" }, job.reason ? job.reason : outcomeText(job.outcome)),
    );
    row.addEventListener("click", () => select(job.task_id));
    return row;
  }

  function firstPage() {
    state.cursor = null;
    state.newerCursors = [];
  }

  // One job ---------------------------------------------------------------------------------

  async function select(taskId) {
    state.selected = taskId;
    for (const row of document.querySelectorAll("#jobs-body tr")) {
      row.classList.toggle("selected", row.dataset.taskId === taskId);
    }
    try {
      await refreshDetail();
    } catch (error) {
      handleError(error);
    }
  }

  async function refreshDetail() {
    let detail;
    try {
      detail = await call("GET", api.jobs + "/" + encodeURIComponent(state.selected));
    } catch (error) {
      if (error instanceof ControlError && error.status === 404) {
        closeDetail();
        return;
      }
      throw error;
    }
    renderDetail(detail);
  }

  function renderDetail(job) {
    $("detail-empty").hidden = true;
    $("detail").hidden = false;
    $("detail-close").hidden = false;
    const detail = $("detail");
    detail.dataset.taskId = job.task_id;
    detail.dataset.status = job.status;
    $("detail-task-id").textContent = job.task_id;
    $("detail-status").replaceChildren(statusBadge(job.status));
    renderVideo(job.video);
    replaceRows(
      $("detail-timeline"),
      job.timeline.map((stage) =>
        el(
          "tr",
          { className: stage.reached ? "reached" : "ahead" },
          el("td", {}, statusBadge(stage.status)),
          el("td", { className: "num" }, "+" + seconds(stage.after)),
          el("td", { className: "muted" }, clockTime(stage.at)),
        ),
      ),
    );
    const facts = [
      ["progress", job.progress_percent + "%"],
      ["eta", job.eta ? seconds(job.eta) : "–"],
      ["outcome", outcomeText(job.outcome) || "succeeds"],
      ["reason", job.reason || "–"],
      ["polls counted", String(job.reads)],
      ["scripted polls", job.poll_scripts ? JSON.stringify(job.poll_scripts) : "–"],
    ];
    $("detail-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
    $("detail-result").textContent = pretty(job.task_result);
    $("detail-request").textContent = pretty(job.request);
  }

  function renderVideo(video) {
    const box = $("detail-video");
    const url = video ? video.url : null;
    if (url === state.videoUrl) return; // keep a playing video playing
    state.videoUrl = url;
    if (!video) {
      box.replaceChildren();
      return;
    }
    const player = el("video", { controls: "", muted: "", preload: "metadata", playsinline: "" });
    player.muted = true;
    player.src = url;
    const caption = el("p", { className: "muted" }, video.width + "×" + video.height + ", " + video.duration + " s" + (video.audio ? ", with audio" : ""));
    box.replaceChildren(player, caption);
  }

  function closeDetail() {
    state.selected = null;
    state.videoUrl = null;
    $("detail-video").replaceChildren();
    $("detail").hidden = true;
    $("detail-close").hidden = true;
    $("detail-empty").hidden = false;
    for (const row of document.querySelectorAll("#jobs-body tr.selected")) row.classList.remove("selected");
  }

  // The journal -------------------------------------------------------------------------------

  async function refreshJournal() {
    const page = await call("GET", query(api.journal, { after: state.journalAfter, limit: JOURNAL_ROWS }));
    if (page.latest < state.journalAfter) {
      // The journal was cleared (a reset): start again.
      state.journal = [];
      state.journalAfter = 0;
      state.selectedEntry = null;
      $("exchange").hidden = true;
      return refreshJournal();
    }
    const fresh = page.entries.filter((entry) => entry.index > state.journalAfter);
    if (fresh.length) {
      state.journal = state.journal.concat(fresh).slice(-JOURNAL_ROWS);
      state.journalAfter = fresh[fresh.length - 1].index;
    }
    renderJournal(page.latest);
  }

  function renderJournal(latest) {
    $("journal-count").textContent = latest ? latest.toLocaleString("en") + " requests" : "";
    $("journal-empty").hidden = state.journal.length > 0;
    const entries = state.journal.slice().reverse();
    // An entry never changes; its number comes back only after a reset, at another time.
    syncRows($("journal-body"), entries, (entry) => String(entry.index), journalRow, (entry) => String(entry.wall_time));
    for (const row of $("journal-body").children) {
      row.classList.toggle("selected", row.dataset.index === String(state.selectedEntry));
    }
  }

  function reasonOf(entry) {
    return entry.status >= 400 && entry.response && typeof entry.response === "object" ? entry.response.reason || "" : "";
  }

  function journalRow(entry) {
    const statusClass = "code code-" + String(entry.status).charAt(0) + "xx";
    const row = el(
      "tr",
      { dataset: { index: String(entry.index), status: String(entry.status) } },
      el("td", { className: "num muted" }, entry.index),
      el("td", { className: "muted" }, wallTime(entry.wall_time)),
      el("td", { className: "mono" }, entry.method),
      el("td", { className: "mono path", title: entry.path }, entry.path),
      el("td", {}, el("span", { className: statusClass }, entry.status)),
      el("td", { className: "reason" }, reasonOf(entry)),
      el("td", { className: "mono", title: entry.task_id }, entry.task_id ? shortId(entry.task_id) : ""),
    );
    row.addEventListener("click", () => showExchange(entry));
    return row;
  }

  function showExchange(entry) {
    state.selectedEntry = entry.index;
    for (const row of document.querySelectorAll("#journal-body tr")) {
      row.classList.toggle("selected", row.dataset.index === String(entry.index));
    }
    $("exchange").hidden = false;
    const sent = { method: entry.method, path: entry.path, query: entry.query, headers: entry.headers, body: entry.json };
    $("exchange-request").textContent = pretty(sent);
    $("exchange-response").textContent = pretty({ status: entry.status, body: entry.response });
  }

  // Controls ----------------------------------------------------------------------------------

  async function act(description, method, path, body) {
    const message = $("control-message");
    try {
      await call(method, path, body);
      message.className = "message ok";
      message.textContent = description;
    } catch (error) {
      message.className = "message error";
      message.textContent = error.message;
      if (error instanceof ControlError && error.status === 403) handleError(error);
    }
    await refresh();
  }

  function advance(secondsText) {
    const amount = Number(secondsText);
    if (!Number.isFinite(amount) || amount < 0) {
      $("control-message").className = "message error";
      $("control-message").textContent = "seconds must be a number >= 0";
      return;
    }
    act("Advanced the clock by " + seconds(amount) + ".", "POST", api.advance, { seconds: amount });
  }

  function scriptBody() {
    const kind = $("script-kind").value;
    const count = Number($("script-count").value) || 1;
    if (kind === "fail") return { count, fail: $("script-reason").value || "scripted failure", stage: $("script-stage").value };
    if (kind === "stuck") return { count, stuck: $("script-stage").value };
    return { count, reject: Number($("script-status").value) };
  }

  function showScriptFields() {
    const kind = $("script-kind").value;
    for (const label of document.querySelectorAll("#script-form [data-for]")) {
      label.hidden = !label.dataset.for.split(" ").includes(kind);
    }
  }

  function wire() {
    $("advance-form").addEventListener("submit", (event) => {
      event.preventDefault();
      advance($("advance-seconds").value);
    });
    for (const button of document.querySelectorAll("#advance-quick button")) {
      button.addEventListener("click", () => advance(button.dataset.seconds));
    }
    $("progression-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const kind = $("progression-kind").value;
      const progression = kind === "polls" ? "polls:" + ($("progression-polls").value || "1") : kind;
      act("Progression is now " + progression + ".", "POST", api.settings, { progression });
    });
    $("progression-kind").addEventListener("change", () => {
      $("progression-polls").hidden = $("progression-kind").value !== "polls";
    });
    $("progression-polls").hidden = true;
    $("script-kind").addEventListener("change", showScriptFields);
    showScriptFields();
    $("script-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const body = scriptBody();
      act("Scripted: " + JSON.stringify(body), "POST", api.scripts, body);
    });
    $("reset-button").addEventListener("click", () => {
      closeDetail();
      firstPage();
      act("Reset the fake.", "POST", api.reset, {});
    });
    $("status-filter").addEventListener("change", () => {
      state.status = $("status-filter").value;
      firstPage();
      refresh();
    });
    $("older-button").addEventListener("click", () => {
      if (state.nextCursor === null) return;
      state.newerCursors.push(state.cursor);
      state.cursor = state.nextCursor;
      refresh();
    });
    $("newer-button").addEventListener("click", () => {
      state.cursor = state.newerCursors.length ? state.newerCursors.pop() : null;
      refresh();
    });
    $("detail-close").addEventListener("click", closeDetail);
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token-input").value);
      $("token-input").value = "";
      refresh();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refresh();
    });
  }

  wire();
  refresh();
})();
