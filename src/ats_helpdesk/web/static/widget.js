/*
 * ATS helpdesk FAQ widget (issue 7). One tag on any page:
 *
 *   <script src="https://helpdesk.example/widget.js" defer
 *           data-title="Questions about ATS?" data-position="right"></script>
 *
 * data-api       base URL of the API (default: the origin this script came from)
 * data-title     heading of the panel (default "Ask the membership team")
 * data-launcher  text of the launcher button (default "Questions? Ask us")
 * data-position  "right" (default) or "left": which bottom corner
 * data-open      "true": start with the panel open
 *
 * Everything lives in a Shadow DOM under one custom element, styled by a
 * constructed stylesheet (allowed under a strict CSP, no 'unsafe-inline'), sized in
 * px so the host's font sizes cannot leak in; the host element itself is pinned
 * with !important inline declarations, which beat any selector on the page.
 * No framework, no innerHTML for anything the server sends: text only.
 */
(function () {
  "use strict";
  if (window.__atsHelpdeskWidget) return;
  window.__atsHelpdeskWidget = true;

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src]");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|#|$)/.test(all[i].src)) return all[i];
    }
    return null;
  })();
  var data = (script && script.dataset) || {};
  var api = (data.api || (script ? new URL(script.src, location.href).origin : location.origin))
    .replace(/\/+$/, "");
  var title = data.title || "Ask the membership team";
  var launcherText = data.launcher || "Questions? Ask us";
  var side = data.position === "left" ? "left" : "right";
  var MAX = 2000;

  var CSS = [
    ":host{all:initial}",
    "*,*::before,*::after{box-sizing:border-box}",
    ".root{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1b1b;",
    "letter-spacing:normal;word-spacing:normal;text-transform:none;text-align:left;direction:ltr}",
    "button,input,textarea{font:inherit;color:inherit;letter-spacing:inherit;margin:0}",
    "button{cursor:pointer}",
    ".launcher{position:fixed;bottom:16px;" + side + ":16px;z-index:2147483647;display:inline-flex;",
    "align-items:center;gap:8px;min-height:48px;padding:10px 18px;border:2px solid #0b3d91;",
    "border-radius:24px;background:#0b3d91;color:#fff;font-weight:600;",
    "box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".launcher:hover{background:#082d6b}",
    ".panel{position:fixed;bottom:76px;" + side + ":16px;z-index:2147483647;",
    "width:min(380px,calc(100vw - 16px));max-height:calc(100vh - 92px);overflow:auto;",
    "display:flex;flex-direction:column;background:#fff;color:#1b1b1b;border:1px solid #6b6b6b;",
    "border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.3);",
    "transition:opacity .18s ease,transform .18s ease}",
    ".panel[hidden]{display:none}",
    ".panel.entering{opacity:0;transform:translateY(12px)}",
    "@media (max-width:400px){.panel{" + side + ":8px;bottom:72px}}",
    "@media (prefers-reduced-motion:reduce){.panel{transition:none}.panel.entering{transform:none}}",
    ".head{display:flex;align-items:center;justify-content:space-between;gap:8px;",
    "padding:10px 12px;background:#0b3d91;color:#fff;border-radius:9px 9px 0 0}",
    "h2{font-size:18px;line-height:1.3;margin:0;font-weight:700}",
    "h3{font-size:16px;margin:0 0 6px;font-weight:700}",
    ".close{min-width:40px;min-height:40px;border:2px solid #fff;border-radius:6px;",
    "background:transparent;color:#fff;font-size:20px;line-height:1}",
    ".body{padding:12px;display:flex;flex-direction:column;gap:12px}",
    "label{display:block;font-weight:600;margin:0 0 4px}",
    "textarea,input{display:block;width:100%;padding:8px;border:1px solid #595959;",
    "border-radius:6px;background:#fff}",
    "textarea{min-height:72px;resize:vertical}",
    ".row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}",
    ".primary,.secondary,.link{min-height:44px;padding:8px 14px;border-radius:6px;font-weight:600}",
    ".primary{background:#0b3d91;color:#fff;border:2px solid #0b3d91}",
    ".primary:hover{background:#082d6b}",
    ".secondary{background:#fff;color:#0b3d91;border:2px solid #0b3d91}",
    ".link{background:none;border:none;color:#0b3d91;text-decoration:underline;padding:8px 4px}",
    ".suggestions{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-direction:column;gap:6px}",
    ".suggestions button{width:100%;text-align:left;min-height:44px;padding:8px 10px;",
    "border:1px solid #0b3d91;border-radius:6px;background:#f2f6fc;color:#0b3d91}",
    ".answer{white-space:pre-line;margin:0}",
    ".source{font-size:14px;color:#4a4a4a;margin:6px 0 0}",
    ".error{color:#a4000f;font-weight:600;margin:4px 0 0}",
    ".note{margin:0}",
    "[aria-invalid=true]{border:2px solid #a4000f}",
    ":focus{outline:none}",
    ":focus-visible,.launcher:focus,.panel :focus{outline:3px solid #ffbf47;outline-offset:2px;",
    "box-shadow:0 0 0 5px #0b0c0c}",
    ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;",
    "clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    ".card{border-top:1px solid #d0d0d0;padding-top:10px}",
    "[hidden]{display:none!important}"
  ].join("");

  // ---- tiny DOM helpers (text only: nothing from the server is parsed as HTML)
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
        if (k === "text") node.textContent = attrs[k];
        else if (k === "class") node.className = attrs[k];
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
        else node.setAttribute(k, attrs[k]);
      }
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function post(path, payload) {
    return fetch(api + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok) return body;
        var err = new Error(problem(r.status, body, r.headers.get("retry-after")));
        err.status = r.status;
        err.body = body;
        throw err;
      });
    });
  }
  function problem(status, body, retry) {
    if (status === 429) return "Too many questions in a short time. Please try again in " +
      (retry || "a few") + " seconds.";
    if (status === 422 && body && Array.isArray(body.detail)) {
      return body.detail.map(function (d) {
        return String(d.msg || "");
      }).join(". ");
    }
    if (body && typeof body.detail === "string") return body.detail;
    return "Something went wrong. Please try again, or email the membership team.";
  }

  // ---- build
  var host = document.createElement("ats-helpdesk-widget");
  var pin = {
    all: "initial", position: "fixed", bottom: "0", "z-index": "2147483647",
    display: "block", width: "0", height: "0", overflow: "visible", visibility: "visible",
    opacity: "1", transform: "none", filter: "none", "pointer-events": "auto"
  };
  pin[side] = "0";
  for (var p in pin) host.style.setProperty(p, pin[p], "important");
  var shadow = host.attachShadow({ mode: "open" });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } catch (e) {
    shadow.appendChild(el("style", { text: CSS })); // older browsers
  }

  var ids = "ats-hd-" + Math.random().toString(36).slice(2, 8);
  var status = el("div", { class: "sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  var launcher = el("button", {
    type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": ids + "-panel",
    text: launcherText
  });
  var closeBtn = el("button", { type: "button", class: "close", "aria-label": "Close help", text: "\u00d7" });
  var heading = el("h2", { id: ids + "-title", text: title });
  var qInput = el("textarea", {
    id: ids + "-q", name: "question", maxlength: String(MAX), rows: "3", required: "",
    "aria-describedby": ids + "-qerr"
  });
  var qError = el("p", { id: ids + "-qerr", class: "error", hidden: "" });
  var askBtn = el("button", { type: "submit", class: "primary", text: "Ask" });
  var askForm = el("form", { novalidate: "" }, [
    el("label", { for: ids + "-q", text: "Your question" }), qInput, qError,
    el("div", { class: "row" }, [askBtn])
  ]);
  var result = el("div", { class: "result" });
  var handBtn = el("button", { type: "button", class: "link", text: "Ask the membership team instead" });
  var body = el("div", { class: "body" }, [askForm, result, el("div", {}, [handBtn])]);
  var panel = el("div", {
    class: "panel", id: ids + "-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": ids + "-title", hidden: ""
  }, [el("div", { class: "head" }, [heading, closeBtn]), body]);
  var root = el("div", { class: "root" }, [launcher, panel, status]);
  shadow.appendChild(root);

  var pending = null;
  function announce(text) {
    clearTimeout(pending); // only the latest news is read out
    status.textContent = "";
    pending = setTimeout(function () { status.textContent = text; }, 60); // same text twice too
  }

  // ---- open / close
  function open() {
    if (!panel.hidden) return;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    panel.classList.add("entering");
    requestAnimationFrame(function () { panel.classList.remove("entering"); });
    qInput.focus();
  }
  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeBtn.addEventListener("click", close);
  root.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && !panel.hidden) {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });

  // ---- asking
  var lastQuestion = "";
  function showFieldError(input, box, text) {
    box.textContent = text;
    box.hidden = !text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function ask(question) {
    question = question.trim();
    if (!question) {
      showFieldError(qInput, qError, "Please type a question.");
      qInput.focus();
      return;
    }
    if (question.length > MAX) {
      showFieldError(qInput, qError, "Please keep it under " + MAX + " characters.");
      qInput.focus();
      return;
    }
    showFieldError(qInput, qError, "");
    lastQuestion = question;
    askBtn.disabled = true;
    // the button pressed (a suggestion) is about to go: keep focus in the panel
    if (result.contains(shadow.activeElement)) qInput.focus();
    clear(result);
    result.appendChild(el("p", { class: "note", text: "Looking for an answer\u2026" }));
    announce("Looking for an answer");
    post("/api/ask", { question: question }).then(function (r) {
      render(r);
    }).catch(function (err) {
      clear(result);
      var msg = err && err.status ? err.message :
        "Could not reach the help service. Please try again, or email the membership team.";
      result.appendChild(el("p", { class: "error", text: msg }));
      announce(msg);
    }).then(function () { askBtn.disabled = false; });
  }

  function render(r) {
    clear(result);
    var card = el("div", { class: "card" });
    if (r.answered) {
      card.appendChild(el("h3", { text: "Answer" }));
      card.appendChild(el("p", { class: "answer", text: r.answer }));
      if (r.sources && r.sources.length) {
        card.appendChild(el("p", { class: "source", text: "Source: " + r.sources.join("; ") }));
      }
      if (r.answer_id) card.appendChild(votes(r.answer_id));
      announce("Answer: " + r.answer);
    } else {
      var lead = "We could not find a confident answer to that.";
      card.appendChild(el("p", { class: "note", text: lead }));
      if (r.suggestions && r.suggestions.length) {
        var list = el("ul", { class: "suggestions", "aria-label": "Related questions" });
        r.suggestions.forEach(function (s) {
          list.appendChild(el("li", {}, [el("button", {
            type: "button", text: s.question,
            onclick: function () { qInput.value = s.question; ask(s.question); }
          })]));
        });
        card.appendChild(el("h3", { text: "Did you mean one of these?" }));
        card.appendChild(list);
        announce(lead + " " + r.suggestions.length + " related questions are listed.");
      } else {
        announce(lead + " You can ask the membership team.");
      }
      card.appendChild(el("button", {
        type: "button", class: "secondary", text: "Ask the membership team",
        onclick: function () { showHandoff(lastQuestion); }
      }));
    }
    result.appendChild(card);
  }

  function votes(answerId) {
    var box = el("div", { class: "card", role: "group", "aria-label": "Was this helpful?" });
    var yes = el("button", { type: "button", class: "secondary", text: "Yes" });
    var no = el("button", { type: "button", class: "secondary", text: "No" });
    function vote(helpful) {
      yes.disabled = no.disabled = true;
      post("/api/feedback", { answer_id: answerId, helpful: helpful }).then(function () {
        clear(box);
        var thanks = helpful ? "Thank you for your feedback." :
          "Thank you. If you still need help, ask the membership team.";
        var said = el("p", { class: "note", text: thanks, tabindex: "-1" });
        box.appendChild(said);
        if (!helpful) {
          box.appendChild(el("button", {
            type: "button", class: "secondary", text: "Ask the membership team",
            onclick: function () { showHandoff(lastQuestion); }
          }));
        }
        announce(thanks);
        (box.querySelector("button") || said).focus(); // the button pressed is gone
      }).catch(function (err) {
        yes.disabled = no.disabled = false;
        announce(err.message || "Your feedback could not be sent.");
      });
    }
    yes.addEventListener("click", function () { vote(true); });
    no.addEventListener("click", function () { vote(false); });
    box.appendChild(el("p", { class: "note", text: "Was this helpful?" }));
    box.appendChild(el("div", { class: "row" }, [yes, no]));
    return box;
  }

  // ---- hand-over
  function field(id, labelText, input) {
    var err = el("p", { id: id + "-err", class: "error", hidden: "" });
    input.id = id;
    input.setAttribute("aria-describedby", id + "-err");
    return { wrap: el("div", {}, [el("label", { for: id, text: labelText }), input, err]), input: input, err: err };
  }

  function showHandoff(question) {
    clear(result);
    var name = field(ids + "-name", "Your name", el("input", { type: "text", name: "name", autocomplete: "name", maxlength: "200", required: "" }));
    var email = field(ids + "-email", "Your e-mail address", el("input", { type: "email", name: "email", autocomplete: "email", maxlength: "254", required: "" }));
    var q = field(ids + "-hq", "Your question for the team", el("textarea", { name: "question", maxlength: String(MAX), rows: "4", required: "" }));
    q.input.value = question || qInput.value || "";
    var send = el("button", { type: "submit", class: "primary", text: "Send to the membership team" });
    var formError = el("p", { class: "error", hidden: "" });
    var formHeading = el("h3", { id: ids + "-hh", text: "Ask the membership team", tabindex: "-1" });
    var form = el("form", { novalidate: "", "aria-labelledby": ids + "-hh" }, [
      formHeading,
      el("p", { class: "note", text: "We will open a case and reply by e-mail." }),
      name.wrap, email.wrap, q.wrap, formError, el("div", { class: "row" }, [send])
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var bad = null;
      var checks = [
        [name, name.input.value.trim() ? "" : "Please give your name."],
        [email, /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.input.value.trim()) ? "" : "Please give a valid e-mail address."],
        [q, q.input.value.trim() ? "" : "Please type your question."]
      ];
      checks.forEach(function (c) {
        showFieldError(c[0].input, c[0].err, c[1]);
        if (c[1] && !bad) bad = c[0].input;
      });
      if (bad) { bad.focus(); announce("Please correct the form."); return; }
      send.disabled = true;
      formError.hidden = true;
      post("/api/handoff", {
        name: name.input.value.trim(), email: email.input.value.trim(), question: q.input.value.trim()
      }).then(function (r) {
        clear(result);
        var done = el("div", { class: "card" }, [
          el("h3", { text: "Sent", tabindex: "-1" }),
          el("p", { class: "note", text: r.message }),
          r.reference ? el("p", { class: "note" }, [
            document.createTextNode("Your reference: "), el("strong", { class: "reference", text: r.reference })
          ]) : null
        ]);
        result.appendChild(done);
        done.querySelector("h3").focus();
        announce(r.message);
      }).catch(function (err) {
        send.disabled = false;
        var msg = err && err.status ? err.message : "Could not send. Please try again, or email the membership team.";
        formError.textContent = msg;
        formError.hidden = false;
        announce(msg);
      });
    });
    result.appendChild(form);
    formHeading.focus();
    announce("Ask the membership team: give your name, e-mail address and question.");
  }

  askForm.addEventListener("submit", function (e) { e.preventDefault(); ask(qInput.value); });
  qInput.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); ask(qInput.value); }
  });
  handBtn.addEventListener("click", function () { showHandoff(lastQuestion || qInput.value); });

  function mount() {
    document.body.appendChild(host);
    if (data.open === "true") open();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
