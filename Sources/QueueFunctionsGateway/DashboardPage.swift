import QueueFunctions
import QueueFunctionsHTTP

/// The dashboard at `/`: one self-contained page (no external assets) that polls
/// the admin API every two seconds and shows, per function, backlog and workers
/// over time, the recent scaling decisions and failures, and the dead-letter
/// queues with redrive and purge buttons.
///
/// When the host needs an admin token, open `/#token=TOKEN` once (the token is kept
/// in the tab's session storage) or enter it in the form the page shows.
///
/// The page checks itself: after its first complete render it sets
/// `data-self-check="ok"` on `<html>`; script errors and `console.error` calls are
/// listed in `#page-errors` and counted in `data-errors`, so a headless browser's
/// `--dump-dom` shows whether it works.

enum DashboardPage {
    /// The page.
    static let html = #"""
    <!doctype html>
    <html lang="en" data-self-check="pending" data-errors="0">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>QueueFunctions</title>
    <style>
    :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #6b7380; --line: #e3e6eb;
            --backlog: #2f6fde; --workers: #e07b24; --desired: #8a5cd1; --bad: #c8372d; --good: #23894b; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
    header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: #1d2430; color: #fff; }
    header h1 { font-size: 18px; margin: 0; }
    header .meta { color: #b9c0cc; font-size: 13px; }
    #status { margin-left: auto; font-size: 13px; }
    #status.ok::before { content: "● "; color: #4cd07d; }
    #status.error::before { content: "● "; color: #ff6b5e; }
    main { padding: 16px 24px; display: grid; gap: 16px; }
    section h2 { font-size: 15px; margin: 0 0 8px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
    .card h3 { margin: 0; font-size: 15px; }
    .card .sub { color: var(--muted); font-size: 12px; margin-bottom: 6px; }
    .stats { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin-top: 6px; }
    .problem { color: #b42318; font-size: 12px; margin-top: 6px; font-weight: 600; }
    .stats b { color: var(--ink); font-weight: 600; }
    svg.chart { width: 100%; height: 150px; display: block; }
    svg.chart text { font-size: 10px; fill: var(--muted); }
    .legend { display: flex; gap: 12px; font-size: 12px; color: var(--muted); }
    .swatch { display: inline-block; width: 10px; height: 3px; vertical-align: middle; margin-right: 4px; }
    table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
    th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); font-size: 13px; vertical-align: top; }
    th { background: #eef0f3; font-weight: 600; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .kind { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: #eef0f3; }
    .kind.failure, .kind.dead_letter { background: #fbe3e1; color: var(--bad); }
    .kind.scaling { background: #e4ecfb; color: var(--backlog); }
    button { font: inherit; font-size: 12px; padding: 3px 10px; border-radius: 6px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
    button.primary { background: var(--backlog); color: #fff; border-color: var(--backlog); }
    button.danger { color: var(--bad); }
    button:disabled { opacity: .5; cursor: default; }
    .empty { color: var(--muted); font-style: italic; }
    pre.body { margin: 0; max-width: 480px; white-space: pre-wrap; word-break: break-all; font-size: 12px; }
    #login { display: none; }
    #login.shown { display: block; }
    #page-errors:empty { display: none; }
    #page-errors { color: var(--bad); }
    </style>
    </head>
    <body>
    <header>
      <h1>QueueFunctions</h1>
      <span class="meta" id="host-meta"></span>
      <span id="status">loading…</span>
    </header>
    <main>
      <ul id="page-errors"></ul>
      <section id="login" class="card">
        <h2>Admin token needed</h2>
        <p>This host requires the admin token it was started with (<code>--admin-token</code> or <code>QUEUEFUNCTIONS_ADMIN_TOKEN</code>).</p>
        <form id="login-form"><input id="token" type="password" size="40" autocomplete="off" placeholder="token"> <button class="primary">Use token</button></form>
      </section>
      <section>
        <h2>Functions</h2>
        <div class="legend"><span><span class="swatch" style="background:var(--backlog)"></span>backlog (visible + in flight)</span>
          <span><span class="swatch" style="background:var(--workers)"></span>workers</span>
          <span><span class="swatch" style="background:var(--desired)"></span>desired workers</span></div>
        <div id="functions" class="grid"></div>
      </section>
      <section id="dependencies-section" hidden>
        <h2>Dependencies</h2>
        <ul id="dependencies"></ul>
      </section>
      <section>
        <h2>Queues</h2>
        <table><thead><tr><th>Queue</th><th>Delivery</th><th class="num">Visible</th><th class="num">Delayed</th>
          <th class="num">Scheduled</th><th class="num">In flight</th></tr></thead>
          <tbody id="queues"></tbody></table>
      </section>
      <section>
        <h2>Dead-letter queues</h2>
        <table><thead><tr><th>Queue</th><th>From</th><th class="num">Messages</th><th class="num">Oldest</th><th></th></tr></thead>
          <tbody id="dlqs"></tbody></table>
        <div id="dlq-messages"></div>
      </section>
      <section>
        <h2>Topics</h2>
        <table><thead><tr><th>Topic</th><th>Queue</th><th>Filter</th><th>Functions</th></tr></thead>
          <tbody id="topics"></tbody></table>
      </section>
      <section>
        <h2>Recent scaling decisions and failures</h2>
        <table><thead><tr><th>Time</th><th>Kind</th><th>Function</th><th>What happened</th></tr></thead>
          <tbody id="events"></tbody></table>
      </section>
    </main>
    <script>
    "use strict";
    (function () {
      var root = document.documentElement;
      var errorCount = 0;
      function reportError(text) {
        errorCount += 1;
        root.setAttribute("data-errors", String(errorCount));
        var item = document.createElement("li");
        item.className = "page-error";
        item.textContent = text;
        var list = document.getElementById("page-errors");
        if (list) list.appendChild(item);
      }
      window.addEventListener("error", function (event) { reportError("script error: " + event.message); });
      window.addEventListener("unhandledrejection", function (event) { reportError("unhandled rejection: " + event.reason); });
      var consoleError = console.error;
      console.error = function () {
        reportError("console.error: " + Array.prototype.join.call(arguments, " "));
        consoleError.apply(console, arguments);
      };

      var SVG = "http://www.w3.org/2000/svg";
      var token = null;
      var openDLQ = null;
      var hashToken = /(?:^#|&)token=([^&]+)/.exec(location.hash);
      try {
        if (hashToken) {
          token = decodeURIComponent(hashToken[1]);
          sessionStorage.setItem("queuefunctions-token", token);
          history.replaceState(null, "", location.pathname);
        } else {
          token = sessionStorage.getItem("queuefunctions-token");
        }
      } catch (ignored) { /* storage may be unavailable; the form still works */ }

      function NeedsToken() {}

      function api(path, method) {
        var headers = {};
        if (token) headers.Authorization = "Bearer " + token;
        return fetch(path, { method: method || "GET", headers: headers, cache: "no-store" }).then(function (response) {
          if (response.status === 401) {
            document.getElementById("login").classList.add("shown");
            throw new NeedsToken();
          }
          return response.json().then(function (body) {
            if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
            return body;
          });
        });
      }

      function el(tag, attributes, children) {
        var node = document.createElement(tag);
        Object.keys(attributes || {}).forEach(function (key) {
          if (key === "text") node.textContent = attributes[key];
          else node.setAttribute(key, attributes[key]);
        });
        (children || []).forEach(function (child) { if (child) node.appendChild(child); });
        return node;
      }

      function svg(tag, attributes) {
        var node = document.createElementNS(SVG, tag);
        Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
        return node;
      }

      function age(seconds) {
        if (!seconds) return "-";
        if (seconds < 60) return Math.round(seconds) + "s";
        if (seconds < 3600) return Math.round(seconds / 60) + "m";
        return (seconds / 3600).toFixed(1) + "h";
      }

      function niceMax(value) {
        if (value <= 4) return 4;
        var power = Math.pow(10, Math.floor(Math.log10(value)));
        var steps = [1, 2, 2.5, 5, 10];
        for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
        return 10 * power;
      }

      function chart(name, samples) {
        var width = 600, height = 150, left = 34, right = 30, top = 8, bottom = 18;
        var series = samples.map(function (sample) {
          var entry = sample.functions.filter(function (f) { return f.name === name; })[0] ||
            { visible: 0, in_flight: 0, workers: 0, desired_workers: 0 };
          return { time: sample.time, backlog: entry.visible + entry.in_flight, workers: entry.workers, desired: entry.desired_workers };
        });
        var node = svg("svg", { "class": "chart", viewBox: "0 0 " + width + " " + height, preserveAspectRatio: "none",
                                role: "img", "aria-label": "backlog and workers of " + name, "data-function": name });
        var plotWidth = width - left - right, plotHeight = height - top - bottom;
        var backlogMax = niceMax(Math.max.apply(null, [1].concat(series.map(function (p) { return p.backlog; }))));
        var workersMax = niceMax(Math.max.apply(null, [1].concat(series.map(function (p) { return Math.max(p.workers, p.desired); }))));
        var now = series.length ? series[series.length - 1].time : Date.now() / 1000;
        var span = Math.max(60, series.length ? now - series[0].time : 60);
        function x(time) { return left + plotWidth * (1 - (now - time) / span); }
        function y(value, max) { return top + plotHeight * (1 - value / max); }
        for (var i = 0; i <= 4; i++) {
          var gy = top + plotHeight * i / 4;
          node.appendChild(svg("line", { x1: left, x2: width - right, y1: gy, y2: gy, stroke: "#e3e6eb" }));
        }
        var labels = [[4, top + 8, "start", backlogMax], [4, height - bottom, "start", 0],
                      [width - 4, top + 8, "end", workersMax], [width - 4, height - bottom, "end", 0]];
        labels.forEach(function (label) {
          var text = svg("text", { x: label[0], y: label[1], "text-anchor": label[2] });
          text.textContent = String(label[3]);
          node.appendChild(text);
        });
        var axis = svg("text", { x: left, y: height - 4 });
        axis.textContent = "last " + Math.round(span / 60) + " min";
        node.appendChild(axis);
        function line(key, max, color, dashed, step) {
          if (!series.length) return;
          var points = [];
          series.forEach(function (point, index) {
            if (step && index > 0) points.push(x(point.time).toFixed(1) + "," + y(series[index - 1][key], max).toFixed(1));
            points.push(x(point.time).toFixed(1) + "," + y(point[key], max).toFixed(1));
          });
          var attributes = { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 2, "class": "series-" + key };
          if (dashed) attributes["stroke-dasharray"] = "4 3";
          node.appendChild(svg("polyline", attributes));
        }
        line("backlog", backlogMax, "#2f6fde", false, false);
        line("desired", workersMax, "#8a5cd1", true, true);
        line("workers", workersMax, "#e07b24", false, true);
        return node;
      }

      function renderFunctions(functions, samples) {
        var container = document.getElementById("functions");
        container.replaceChildren();
        if (!functions.length) container.appendChild(el("p", { "class": "empty", text: "No functions in the manifest." }));
        functions.forEach(function (f) {
          var meanMs = f.invocations ? (1000 * f.duration_seconds_sum / f.invocations).toFixed(1) + " ms" : "-";
          function stat(label, value) { return el("span", {}, [document.createTextNode(label + " "), el("b", { text: String(value) })]); }
          container.appendChild(el("div", { "class": "card function", "data-function": f.name }, [
            el("h3", { text: f.name }),
            el("div", { "class": "sub", text: "queue " + f.queue + " · handler " + f.handler + " · " + f.message_type +
                        " · workers " + f.min_workers + "…" + f.max_workers }),
            chart(f.name, samples),
            el("div", { "class": "stats" }, [
              stat("backlog", f.visible + f.in_flight), stat("workers", f.workers + " / want " + f.desired_workers),
              stat("busy", f.busy_workers), stat("invocations", f.invocations), stat("succeeded", f.succeeded),
              stat("retried", f.retried), stat("dead-lettered", f.dead_lettered), stat("failed", f.failed_invocations),
              stat("cold starts", f.cold_starts), stat("mean", meanMs)
            ])
          ].concat((f.problems || []).map(function (text) { return el("div", { "class": "problem", text: text }); }))));
        });
      }

      function act(button, path, question) {
        if (question && !window.confirm(question)) return;
        button.disabled = true;
        api(path, "POST").then(function (result) {
          setStatus("ok", result.action + ": " + result.count + " message(s) from " + result.queue);
          return refresh(false);
        }).catch(handleFailure).then(function () { button.disabled = false; });
      }

      function renderQueues(queues) {
        var body = document.getElementById("queues");
        body.replaceChildren();
        queues.filter(function (q) { return !q.is_dead_letter_queue; }).forEach(function (q) {
          var delivery = (q.fifo ? "FIFO" : "standard") + (q.default_priority ? " · priority " + q.default_priority : "");
          body.appendChild(el("tr", { "class": "queue", "data-queue": q.name }, [
            el("td", { text: q.name }), el("td", { text: delivery }), el("td", { "class": "num", text: String(q.visible) }),
            el("td", { "class": "num", text: String(q.delayed) }), el("td", { "class": "num scheduled", text: String(q.scheduled) }),
            el("td", { "class": "num", text: String(q.in_flight) })
          ]));
        });
      }

      function renderDLQs(queues) {
        var body = document.getElementById("dlqs");
        body.replaceChildren();
        if (!queues.length) body.appendChild(el("tr", {}, [el("td", { colspan: "5", "class": "empty", text: "No dead-letter queues." })]));
        queues.forEach(function (q) {
          var redrive = el("button", { "class": "primary redrive", "data-queue": q.name, text: "Redrive" });
          redrive.addEventListener("click", function () { act(redrive, "/api/dlq/" + encodeURIComponent(q.name) + "/redrive"); });
          var purge = el("button", { "class": "danger purge", text: "Purge" });
          purge.addEventListener("click", function () {
            act(purge, "/api/dlq/" + encodeURIComponent(q.name) + "/purge", "Delete every message of " + q.name + " for good?");
          });
          var view = el("button", { text: openDLQ === q.name ? "Hide" : "Show" });
          view.addEventListener("click", function () { openDLQ = openDLQ === q.name ? null : q.name; refresh(false); });
          redrive.disabled = purge.disabled = q.messages === 0;
          body.appendChild(el("tr", { "class": "dlq", "data-queue": q.name }, [
            el("td", { text: q.name }), el("td", { text: q.source_queues.join(", ") }),
            el("td", { "class": "num", text: String(q.messages) }), el("td", { "class": "num", text: age(q.oldest_age_seconds) }),
            el("td", {}, [view, document.createTextNode(" "), redrive, document.createTextNode(" "), purge])
          ]));
        });
      }

      function renderDLQMessages(listing) {
        var container = document.getElementById("dlq-messages");
        container.replaceChildren();
        if (!listing) return;
        container.appendChild(el("h2", { text: "Messages in " + listing.queue }));
        var rows = listing.messages.map(function (m) {
          return el("tr", {}, [
            el("td", { text: m.id }), el("td", { text: m.dead_letter ? m.dead_letter.source_queue : "-" }),
            el("td", { "class": "num", text: String(m.dead_letter ? m.dead_letter.receive_count : m.receive_count) }),
            el("td", { text: m.dead_letter ? m.dead_letter.reason : "-" }),
            el("td", {}, [el("pre", { "class": "body", text: m.body.length > 300 ? m.body.slice(0, 300) + "…" : m.body })])
          ]);
        });
        if (!rows.length) rows = [el("tr", {}, [el("td", { colspan: "5", "class": "empty", text: "Empty." })])];
        container.appendChild(el("table", {}, [
          el("thead", {}, [el("tr", {}, ["ID", "From", "Receives", "Reason", "Body"].map(function (h) { return el("th", { text: h }); }))]),
          el("tbody", {}, rows)
        ]));
      }

      function renderTopics(topics) {
        var body = document.getElementById("topics");
        body.replaceChildren();
        if (!topics.length) body.appendChild(el("tr", {}, [el("td", { colspan: "4", "class": "empty", text: "No topics in the manifest." })]));
        topics.forEach(function (t) {
          var subscriptions = t.subscriptions.length ? t.subscriptions : [{ queue: "-", filter: "no subscriptions", functions: [] }];
          subscriptions.forEach(function (s, index) {
            body.appendChild(el("tr", { "class": "topic", "data-topic": t.name }, [
              el("td", { text: index === 0 ? t.name : "" }), el("td", { text: s.queue }),
              el("td", {}, [el("code", { text: s.filter === "{}" ? "every message" : s.filter })]),
              el("td", { text: s.functions.join(", ") || "-" })
            ]));
          });
        });
      }

      function renderEvents(events) {
        var body = document.getElementById("events");
        body.replaceChildren();
        if (!events.length) body.appendChild(el("tr", {}, [el("td", { colspan: "4", "class": "empty", text: "Nothing yet." })]));
        events.slice().reverse().forEach(function (e) {
          body.appendChild(el("tr", { "class": "event" }, [
            el("td", { text: new Date(e.time).toLocaleTimeString() }),
            el("td", {}, [el("span", { "class": "kind " + e.kind, text: e.kind.replace("_", " ") })]),
            el("td", { text: e.function || "-" }), el("td", { text: e.message })
          ]));
        });
      }

      function renderDependencies(dependencies) {
        var list = document.getElementById("dependencies");
        document.getElementById("dependencies-section").hidden = !dependencies.length;
        list.replaceChildren();
        dependencies.forEach(function (d) {
          list.appendChild(el("li", { "class": d.state === "closed" ? "" : "problem", text: d.text }));
        });
      }

      function setStatus(kind, text) {
        var status = document.getElementById("status");
        status.className = kind;
        status.textContent = text;
      }

      function handleFailure(error) {
        if (error instanceof NeedsToken) { setStatus("error", "admin token needed"); return; }
        var text = "cannot reach the host: " + (error && error.message ? error.message : error);
        // The host answers while its store is down: say so, and since when.
        return api("/api/host").then(function (host) {
          var store = host.store_status;
          if (store && !store.reachable) {
            text = "store unreachable since " + new Date(store.unreachable_since).toLocaleString() +
              " (" + store.location + "): " + store.error;
          }
          setStatus("error", text);
        }, function () { setStatus("error", text); });
      }

      var timer = null;
      function refresh(schedule) {
        var dlqPath = openDLQ ? "/api/dlq/" + encodeURIComponent(openDLQ) + "?limit=20" : null;
        return Promise.all([
          api("/api/host"), api("/api/functions"), api("/api/history"), api("/api/dlq"),
          api("/api/events?kind=scaling,failure,dead_letter,dependency&limit=40"), dlqPath ? api(dlqPath) : Promise.resolve(null),
          api("/api/topics"), api("/api/queues"), api("/api/dependencies")
        ]).then(function (results) {
          var host = results[0];
          document.getElementById("host-meta").textContent = host.functions + " function(s), " + host.queues +
            " queue(s), store " + host.store + (host.routes.length ? ", routes " + host.routes.join(", ") : "") +
            (host.live_hosts.length ? " · live hosts: " + host.live_hosts.map(function (h) {
              var workers = 0;
              for (var name in h.functions) workers += h.functions[name].workers;
              return h.machine + ":" + h.pid + (h.address ? " " + h.address : "") + " (" + workers + " workers)";
            }).join(", ") : "");
          document.getElementById("login").classList.remove("shown");
          renderFunctions(results[1].functions, results[2].samples);
          renderDLQs(results[3].dead_letter_queues);
          renderQueues(results[7].queues);
          renderDLQMessages(results[5]);
          renderEvents(results[4].events);
          renderTopics(results[6].topics);
          renderDependencies(results[8].dependencies);
          setStatus("ok", "live · updated " + new Date().toLocaleTimeString());
          root.setAttribute("data-self-check", "ok");
          root.setAttribute("data-charts", String(document.querySelectorAll("svg.chart").length));
        }).catch(handleFailure).then(function () {
          if (schedule !== false) {
            clearTimeout(timer);
            timer = setTimeout(refresh, 2000);
          }
        });
      }

      document.getElementById("login-form").addEventListener("submit", function (event) {
        event.preventDefault();
        token = document.getElementById("token").value.trim();
        try { sessionStorage.setItem("queuefunctions-token", token); } catch (ignored) { /* session only */ }
        refresh();
      });
      refresh();
    })();
    </script>
    </body>
    </html>
    """#
}
