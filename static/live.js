// The console's live view: keeps the server-rendered numbers and activity list current
// from /dashboard/live/events (Server-Sent Events). Without this script the page still
// shows everything as of its loading. Text only goes in through textContent, never HTML.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-events]");
  var status = document.getElementById("live-status");
  if (!root || !status || !window.EventSource) {
    return;
  }
  var url = root.getAttribute("data-live-events");
  var source = null;
  var retryDelay = 30000;

  function say(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function at(data, path) {
    return path.split(".").reduce(function (v, key) {
      return v == null ? v : v[key];
    }, data);
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (text != null) {
      el.textContent = text;
    }
    return el;
  }

  // The same markup as templates/console_live.html.
  function item(a) {
    var li = element("li", "live-item live-" + a.kind);
    li.appendChild(element("span", "live-kind", a.label));
    var who = element("span", "live-who", "u/" + a.user + " ");
    who.appendChild(element("span", "muted", "in r/" + a.subreddit + " · " + a.group));
    li.appendChild(who);
    var time = element("time", "live-when", a.when);
    time.setAttribute("datetime", a.at);
    li.appendChild(time);
    if (a.modmail) {
      var link = element("a", "live-link", "Open modmail");
      link.href = a.modmail;
      link.rel = "noopener noreferrer";
      li.appendChild(link);
    }
    return li;
  }

  function show(data) {
    var figures = root.querySelectorAll("[data-live]");
    for (var i = 0; i < figures.length; i++) {
      var value = at(data, figures[i].getAttribute("data-live"));
      if (value != null && figures[i].textContent !== String(value)) {
        figures[i].textContent = String(value);
        figures[i].classList.remove("live-changed");
        void figures[i].offsetWidth; // restarts the highlight
        figures[i].classList.add("live-changed");
      }
    }
    var list = document.getElementById("live-activity");
    var empty = document.getElementById("live-empty");
    if (list && Array.isArray(data.activity)) {
      var fresh = document.createDocumentFragment();
      data.activity.forEach(function (a) {
        fresh.appendChild(item(a));
      });
      list.replaceChildren(fresh);
      if (empty) {
        empty.hidden = data.activity.length > 0;
      }
    }
  }

  function connect() {
    source = new EventSource(url);
    source.addEventListener("open", function () {
      retryDelay = 30000;
      say("Live: numbers update as things happen.", "live");
    });
    source.addEventListener("live", function (e) {
      try {
        show(JSON.parse(e.data));
      } catch (err) {
        // A malformed event changes nothing; the next one replaces everything anyway.
      }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (too many open, or the login ended): the browser
        // does not retry that by itself, so we do, less and less often.
        say("Live updates paused; trying again shortly. Reload the page if this stays.", "paused");
        source.close();
        window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 300000);
      } else {
        // The browser reconnects by itself and resumes from the last event's id.
        say("Reconnecting…", "reconnecting");
      }
    });
  }

  connect();
})();
