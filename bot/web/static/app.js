/* Wirewatch Mini App: plain DOM, every text set with textContent (escaped), no inline script. */
"use strict";
(function () {
  const tg = (window.Telegram && window.Telegram.WebApp) || null;
  const state = { strings: {}, language: "en", zone: "UTC", subs: [], settings: {}, seq: 0, timer: 0 };
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  function initData() {
    if (tg && tg.initData) return tg.initData;
    const hash = new URLSearchParams(location.hash.slice(1));
    return hash.get("tgWebAppData") || "";
  }

  function applyTheme() {
    const params = (tg && tg.themeParams) || {};
    const dark = (tg && tg.colorScheme) === "dark" ||
      (!tg && window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    const vars = { bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
      button_color: "--button", button_text_color: "--button-text", secondary_bg_color: "--secondary-bg",
      destructive_text_color: "--danger" };
    for (const [key, name] of Object.entries(vars)) {
      if (params[key]) document.documentElement.style.setProperty(name, params[key]);
    }
  }

  function say(key, values) {
    let text = state.strings[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.split("%(" + name + ")s").join(String(value));
    return text;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  async function call(method, path, body) {
    const response = await fetch("api/" + path, {
      method,
      headers: Object.assign({ "X-Telegram-Init-Data": initData() }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
    });
    const data = await response.json().catch(() => ({ error: "bad_response", message: say("error") }));
    if (!response.ok) throw Object.assign(new Error(data.message || say("error")), { status: response.status, data });
    return data;
  }

  function status(text, isError) {
    const node = $("status");
    node.textContent = text || "";
    node.className = isError ? "error" : "";
  }

  function when(iso) {
    if (!iso) return "";
    const options = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: state.zone };
    try { return new Intl.DateTimeFormat(state.language, options).format(new Date(iso)); }
    catch (e) { return iso.slice(0, 16).replace("T", " "); }
  }

  function translatePage() {
    document.documentElement.lang = state.language;
    document.title = say("title");
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = say(node.dataset.text);
    for (const node of document.querySelectorAll("[data-placeholder]")) node.placeholder = say(node.dataset.placeholder);
    for (const option of $("trend-days").options) option.textContent = say("days", { days: option.value });
  }

  // --- tabs ----------------------------------------------------------------------------------------
  function show(tab) {
    for (const button of document.querySelectorAll("#tabs button")) {
      const on = button.dataset.tab === tab;
      button.setAttribute("aria-selected", on ? "true" : "false");
      $(button.dataset.tab).hidden = !on;
    }
    status("");
    if (tab === "subscriptions") loadSubscriptions();
    if (tab === "settings") loadSettings();
    if (tab === "feeds") loadFeeds();
    if (tab === "trends") fillTrendChoices();
  }

  // --- subscriptions -------------------------------------------------------------------------------
  function sparkline(counts) {
    const chart = svg("svg", { class: "spark bars", viewBox: "0 0 90 18", "aria-hidden": "true" });
    const top = Math.max(1, ...counts);
    const width = 90 / Math.max(1, counts.length);
    counts.forEach((count, i) => {
      const height = count ? Math.max(1.5, (count / top) * 18) : 0.5;
      chart.appendChild(svg("rect", { x: (i * width).toFixed(2), y: (18 - height).toFixed(2), width: Math.max(0.6, width - 0.6).toFixed(2), height: height.toFixed(2) }));
    });
    return chart;
  }

  function subscriptionRow(sub) {
    const muted = sub.muted_until && new Date(sub.muted_until) > new Date();
    const meta = el("div", { class: "meta" }, [
      sparkline(sub.sparkline || []),
      el("span", { text: sub.last_match ? say("last_match", { when: when(sub.last_match) }) : say("no_match") }),
      muted ? el("span", { class: "badge", text: say("muted_until", { when: when(sub.muted_until) }) }) : null,
    ]);
    const mute = el("button", { type: "button", text: muted ? say("unmute") : say("mute") });
    mute.addEventListener("click", () => act(muted ? "DELETE" : "POST", "subscriptions/" + sub.id + "/mute"));
    const remove = el("button", { type: "button", class: "danger", text: say("delete") });
    remove.addEventListener("click", () => act("DELETE", "subscriptions/" + sub.id));
    return el("li", { "data-id": String(sub.id) }, [
      el("div", { class: "q", text: "#" + sub.id + " " + sub.query }), el("div", { class: "actions" }, [mute, remove]), meta,
    ]);
  }

  async function act(method, path) {
    try { const data = await call(method, path); status(data.message || ""); }
    catch (error) { status(error.message, true); }
    loadSubscriptions();
  }

  async function loadSubscriptions() {
    try {
      const data = await call("GET", "subscriptions");
      state.subs = data.subscriptions;
      $("paused-note").hidden = !data.paused;
      const list = $("sub-list");
      list.replaceChildren(...data.subscriptions.map(subscriptionRow));
      if (!data.subscriptions.length) list.appendChild(el("li", { class: "note", text: say("no_subscriptions") }));
    } catch (error) { status(error.message, true); }
  }

  function previewLater() {
    clearTimeout(state.timer);
    state.timer = setTimeout(preview, 250);
  }

  async function preview() {
    const query = $("query").value.trim();
    const box = $("preview");
    const seq = ++state.seq;
    if (!query) { box.replaceChildren(el("p", { class: "note", text: say("preview_hint") })); return; }
    try {
      const data = await call("POST", "preview", { query });
      if (seq !== state.seq) return;
      const total = data.stories.reduce((a, b) => a + b, 0);
      const parts = [el("div", { class: "meta" }, [barChart(data.days, data.stories, 120, 24, "spark bars"), el("span", { text: say("preview_count", { count: total }) })]),
        el("p", { class: "note", text: data.meaning })];
      if (data.newest.length) {
        parts.push(el("h2", { text: say("preview_newest") }));
        parts.push(el("ol", { class: "newest" }, data.newest.map(headline)));
      } else parts.push(el("p", { class: "note", text: say("preview_none") }));
      box.replaceChildren(...parts);
      box.dataset.ready = "1";
      offerAliases(query, seq);
    } catch (error) {
      if (seq !== state.seq) return;
      box.replaceChildren(el("p", { class: "error", text: error.message }));
      box.dataset.ready = "error";
    }
  }

  async function offerAliases(query, seq) {
    if (/\s|[()"*:-]/.test(query)) return;  // aliases are offered for one name
    try {
      const data = await call("GET", "aliases?term=" + encodeURIComponent(query));
      if (seq !== state.seq || !data.aliases.length) return;
      const chips = data.aliases.map((alias) => {
        const chip = el("button", { type: "button", class: "chip", text: "+ " + alias.text + " · " + alias.releases });
        chip.addEventListener("click", () => { $("query").value = query + " OR " + alias.text; preview(); });
        return chip;
      });
      $("preview").append(el("p", { class: "note", text: say("aliases") }), el("div", { class: "chips" }, chips));
    } catch (error) { /* chips are an offer: without them the preview stands */ }
  }

  function headline(item) {
    const safe = /^https?:\/\//i.test(item.link || "");
    const title = safe ? el("a", { href: item.link, target: "_blank", rel: "noopener noreferrer", text: item.title }) : el("span", { text: item.title });
    return el("li", {}, [title, el("div", { class: "src", text: item.feed + " · " + when(item.first_seen_at) })]);
  }

  async function subscribe(event) {
    event.preventDefault();
    const query = $("query").value.trim();
    if (!query) return;
    try {
      const sub = await call("POST", "subscriptions", { query });
      status(sub.message);
      $("query").value = "";
      $("preview").replaceChildren();
      if (tg && tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("success");
    } catch (error) { status(error.message, true); }
    loadSubscriptions();
  }

  // --- trends --------------------------------------------------------------------------------------
  function barChart(days, counts, width, height, cls) {
    const chart = svg("svg", { class: cls, viewBox: "0 0 " + width + " " + height, role: "img" });
    const top = Math.max(1, ...counts);
    const step = width / Math.max(1, counts.length);
    counts.forEach((count, i) => {
      const h = count ? Math.max(1, (count / top) * (height - 2)) : 0.5;
      const bar = svg("rect", { x: (i * step).toFixed(2), y: (height - h).toFixed(2), width: Math.max(0.4, step * 0.8).toFixed(2), height: h.toFixed(2) });
      const label = svg("title", {});
      label.textContent = days[i] + ": " + count;
      bar.appendChild(label);
      chart.appendChild(bar);
    });
    return chart;
  }

  function fillTrendChoices() {
    $("trend-subs").replaceChildren(...state.subs.map((sub) => el("option", { value: sub.query })));
    if (!$("trend-query").value && state.subs.length) $("trend-query").value = state.subs[0].query;
  }

  async function trend(event) {
    event.preventDefault();
    const query = $("trend-query").value.trim();
    const box = $("trend-chart");
    if (!query) return;
    try {
      const data = await call("GET", "trend?query=" + encodeURIComponent(query) + "&days=" + $("trend-days").value);
      const chart = barChart(data.days, data.stories, 320, 120, "chart bars");
      chart.setAttribute("viewBox", "0 0 320 136");
      chart.appendChild(svg("line", { class: "axis", x1: 0, y1: 120.5, x2: 320, y2: 120.5 }));
      const first = svg("text", { x: 0, y: 134 }); first.textContent = data.days[0];
      const last = svg("text", { x: 320, y: 134, "text-anchor": "end" }); last.textContent = data.days[data.days.length - 1];
      chart.append(first, last);
      box.replaceChildren(el("p", { class: "q", text: data.query }), chart, el("p", { class: "note", text: say("trend_total", { count: data.total }) }));
    } catch (error) { box.replaceChildren(el("p", { class: "error", text: error.message })); }
  }

  // --- settings ------------------------------------------------------------------------------------
  async function loadSettings() {
    try {
      const data = await call("GET", "settings");
      fillSettings(data);
    } catch (error) { status(error.message, true); }
  }

  function fillSettings(data) {
    state.settings = data;
    $("set-language").value = data.language;
    $("set-timezone").value = data.timezone;
    $("set-digest").value = data.digest_times.join(",");
    $("set-quiet").value = data.quiet_hours || "";
    $("set-paused").checked = data.paused;
    state.zone = data.timezone;
    const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
    $("device-zone").textContent = device ? say("timezone_hint", { zone: device }) : "";
    $("use-zone").hidden = !device || device === data.timezone;
  }

  function wantedSettings() {
    return { language: $("set-language").value, timezone: $("set-timezone").value.trim(),
      digest_times: $("set-digest").value.split(/[,\s]+/).filter(Boolean),
      quiet_hours: $("set-quiet").value.trim() || null, paused: $("set-paused").checked };
  }

  async function saveSettings(event) {
    event.preventDefault();
    const wanted = wantedSettings();
    const body = {};
    for (const [key, value] of Object.entries(wanted)) {
      if (JSON.stringify(value) !== JSON.stringify(state.settings[key])) body[key] = value;
    }
    try {
      const data = await call("PUT", "settings", body);
      const languageChanged = data.language !== state.language;
      fillSettings(data);
      $("settings-messages").replaceChildren(...data.messages.map((m) => el("li", { text: m })));
      if (languageChanged) await start(false);
    } catch (error) { status(error.message, true); }
  }

  // --- feeds (admins) ------------------------------------------------------------------------------
  async function loadFeeds() {
    try {
      const data = await call("GET", "feeds");
      $("feed-list").replaceChildren(...data.feeds.map((feed) => {
        const remove = el("button", { type: "button", class: "danger", text: say("remove") });
        remove.addEventListener("click", async () => {
          try { $("feed-message").textContent = (await call("DELETE", "feeds/" + feed.id)).message; }
          catch (error) { $("feed-message").textContent = error.message; }
          loadFeeds();
        });
        return el("li", {}, [el("div", { class: "q", text: feed.name }), el("div", { class: "actions" }, [feed.removable ? remove : null]),
          el("div", { class: "meta" }, [el("span", { class: "badge " + feed.health, text: feed.health_text }), el("span", { text: feed.origin }),
            el("span", { text: feed.last_error || when(feed.last_success_at) })])]);
      }));
    } catch (error) { status(error.message, true); }
  }

  async function addFeed(event) {
    event.preventDefault();
    const url = $("feed-url").value.trim();
    if (!url) return;
    try { $("feed-message").textContent = (await call("POST", "feeds", { url })).message; $("feed-url").value = ""; }
    catch (error) { $("feed-message").textContent = error.message; }
    loadFeeds();
  }

  // --- start ---------------------------------------------------------------------------------------
  async function start(first) {
    try {
      const me = await call("GET", "me");
      state.strings = me.strings;
      state.language = me.language;
      $("set-language").replaceChildren(...me.languages.map((l) => el("option", { value: l.tag, text: l.name })));
      document.querySelector('[data-tab="feeds"]').hidden = !me.admin;
      translatePage();
      if (first) show("subscriptions");
      document.body.dataset.ready = "1";
    } catch (error) { status(error.message, true); document.body.dataset.ready = "error"; }
  }

  function wire() {
    for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => show(button.dataset.tab));
    $("query").addEventListener("input", previewLater);
    $("add-form").addEventListener("submit", subscribe);
    $("trend-form").addEventListener("submit", trend);
    $("settings-form").addEventListener("submit", saveSettings);
    $("feed-form").addEventListener("submit", addFeed);
    $("use-zone").addEventListener("click", () => { $("set-timezone").value = Intl.DateTimeFormat().resolvedOptions().timeZone; });
    if (tg) { tg.ready(); tg.expand(); if (tg.onEvent) tg.onEvent("themeChanged", applyTheme); }
  }

  applyTheme();
  wire();
  start(true);
})();
