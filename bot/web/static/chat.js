// The web chat page: takes its session from /api/session (an HttpOnly cookie the server sets;
// the token is never stored by the page), sends messages to /api/chat, shows the replies and
// their buttons, and polls /api/chat/updates for messages that arrive later.
(function () {
  "use strict";

  var TRANSCRIPT_KEY = "wugong.transcript";
  var POLL_MS = 20000;
  var REQUEST_TIMEOUT_MS = 30000;
  var KEPT_ENTRIES = 80;
  // A label wider than this (CJK characters count twice) gets a whole row of its own.
  var WIDE_LABEL_UNITS = 16;

  var texts = JSON.parse(document.getElementById("texts").textContent);
  // The page's labels in each language: the page follows the conversation's language, which
  // every answer names in its Content-Language header.
  var pages = texts.pages;
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var sendButton = document.getElementById("send");
  var attachButton = document.getElementById("attach");
  var fileInput = document.getElementById("file");
  var MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
  var OAUTH_KEY = "wugong.wechat-oauth";

  var busy = false;
  var polling = false;
  var transcript = [];
  var group = 0;

  function storage(name) {
    try {
      var store = window[name];
      var probe = "wugong.probe";
      store.setItem(probe, probe);
      store.removeItem(probe);
      return store;
    } catch (e) {
      return null; // private mode or storage turned off: the chat still works for this visit
    }
  }

  var tab = storage("sessionStorage");
  // The transcript kept in this tab belongs to the session whose token starts with this tag
  // (a few characters: the token itself stays in the cookie only).
  var sessionTag = null;
  // "bound" | "unbound" when the server does WeChat OAuth, else null.
  var wechatBinding = null;

  function saveTranscript() {
    if (!tab) return;
    try {
      tab.setItem(TRANSCRIPT_KEY, JSON.stringify({ tag: sessionTag, entries: transcript }));
    } catch (e) {
      // storage full: the conversation goes on, only a reload would start from the menu
    }
  }

  function loadTranscript() {
    if (!tab) return [];
    try {
      var saved = JSON.parse(tab.getItem(TRANSCRIPT_KEY) || "null");
      if (saved && saved.tag === sessionTag && Array.isArray(saved.entries)) {
        return saved.entries;
      }
    } catch (e) {
      // a damaged transcript is dropped
    }
    return [];
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function labelUnits(label) {
    var units = 0;
    for (var i = 0; i < label.length; i++) {
      units += label.charCodeAt(i) > 0x2e7f ? 2 : 1;
    }
    return units;
  }

  function disableButtons() {
    var old = log.querySelectorAll(".buttons button");
    for (var i = 0; i < old.length; i++) old[i].disabled = true;
  }

  function renderButtons(buttons, active) {
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.textContent = button.label;
      element.dataset.value = button.value;
      if (labelUnits(button.label) > WIDE_LABEL_UNITS) element.className = "wide";
      element.disabled = !active || busy;
      element.addEventListener("click", function () {
        if (element.disabled) return;
        submit({ button: button.value }, button.label);
      });
      row.appendChild(element);
    });
    return row;
  }

  function render(entry, active) {
    var turn = document.createElement("div");
    turn.className = "turn";
    turn.dataset.who = entry.who;
    turn.dataset.group = String(entry.group);
    var bubble = document.createElement("p");
    bubble.className = "bubble " + (entry.who === "user" ? "user" : "bot");
    var speaker = document.createElement("span");
    speaker.className = "visually-hidden";
    speaker.textContent = (entry.who === "user" ? texts.you : texts.assistant) + ": ";
    bubble.appendChild(speaker);
    bubble.appendChild(document.createTextNode(entry.text));
    turn.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) {
      turn.appendChild(renderButtons(entry.buttons, active));
    }
    log.appendChild(turn);
  }

  function add(entry) {
    entry.group = group;
    transcript.push(entry);
    if (transcript.length > KEPT_ENTRIES) transcript = transcript.slice(-KEPT_ENTRIES);
    render(entry, true);
    saveTranscript();
    scrollToEnd();
  }

  // Answers replace the buttons offered so far; a message that arrives by itself (a poll) adds
  // its buttons beside them, so the question being answered keeps its buttons.
  function showReplies(replies, arrived) {
    if (!replies.length) return;
    if (!arrived) {
      disableButtons();
      group += 1;
    }
    replies.forEach(function (reply) {
      add({
        who: "bot",
        text: String(reply.text),
        buttons: Array.isArray(reply.buttons) ? reply.buttons : [],
      });
    });
  }

  var busyBubble = null;

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    attachButton.disabled = on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    if (on) {
      busyBubble = document.createElement("p");
      busyBubble.className = "bubble bot busy";
      busyBubble.textContent = texts.busy;
      log.appendChild(busyBubble);
      scrollToEnd();
    } else if (busyBubble) {
      busyBubble.remove();
      busyBubble = null;
    }
  }

  function showFailure(message, retry) {
    var turn = document.createElement("div");
    turn.className = "turn failure";
    var bubble = document.createElement("p");
    bubble.className = "bubble bot error";
    bubble.setAttribute("role", "alert");
    bubble.textContent = message;
    turn.appendChild(bubble);
    if (retry) {
      var row = document.createElement("div");
      row.className = "buttons";
      var again = document.createElement("button");
      again.type = "button";
      again.textContent = texts.retry;
      again.addEventListener("click", function () {
        turn.remove();
        retry();
      });
      row.appendChild(again);
      turn.appendChild(row);
    }
    log.appendChild(turn);
    scrollToEnd();
  }

  function request(url, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    if (controller) options.signal = controller.signal;
    return fetch(url, options)
      .then(function (response) {
        return response.json().then(
          function (data) {
            return {
              ok: response.ok,
              status: response.status,
              data: data,
              language: response.headers.get("Content-Language"),
            };
          },
          function () {
            return { ok: false, status: response.status, data: null };
          }
        );
      })
      .finally(function () {
        if (timer) clearTimeout(timer);
      });
  }

  // The session: the cookie's if it is still good, else a new one (the server decides).
  function startSession() {
    return request("/api/session", { method: "POST", credentials: "same-origin" }).then(
      function (result) {
        if (!result.ok || !result.data || typeof result.data.session !== "string") {
          throw new Error("no session");
        }
        sessionTag = result.data.session.slice(0, 8);
        wechatBinding = result.data.wechat || null;
        return result;
      }
    );
  }

  // One request to the chat API and its replies shown; a 401 takes a new session, once.
  function exchange(makeRequest, again, renewed) {
    setBusy(true);
    disableButtons();
    var retry = function () {
      again(false);
    };
    return (sessionTag === null ? startSession().then(makeRequest) : makeRequest()).then(
      function (result) {
        setBusy(false);
        if (result.status === 401 && !renewed) {
          // The session expired: take a new one, once, and send the message again.
          sessionTag = null;
          again(true);
        } else if (result.ok && result.data && Array.isArray(result.data.replies)) {
          if (result.language && result.language !== texts.lang && pages[result.language]) {
            relabel(pages[result.language]);
          }
          showReplies(result.data.replies, false);
        } else if (result.data && typeof result.data.error === "string") {
          showFailure(result.data.error, null);
          enableLatest();
        } else {
          showFailure(texts.failed, retry);
        }
      },
      function () {
        setBusy(false);
        showFailure(navigator.onLine === false ? texts.offline : texts.failed, retry);
      }
    );
  }

  function post(message, renewed) {
    var body = { lang: texts.lang };
    if (message.button !== undefined) body.button = message.button;
    else body.text = message.text;
    return exchange(
      function () {
        return request("/api/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
          credentials: "same-origin",
        });
      },
      function (again) {
        post(message, again);
      },
      renewed
    );
  }

  // A photo or PDF from the file button: POST /api/upload (multipart), the server checks it.
  function upload(file, renewed) {
    return exchange(
      function () {
        var data = new FormData();
        data.append("lang", texts.lang);
        data.append("file", file, file.name);
        return request("/api/upload", { method: "POST", body: data, credentials: "same-origin" });
      },
      function (again) {
        upload(file, again);
      },
      renewed
    );
  }

  // The conversation speaks another language (说英语, the link below, or a returning user's
  // choice): the page follows, and a reload keeps it (the address says the language).
  var otherLang = document.querySelector(".other-lang");

  function relabel(page) {
    document.documentElement.lang = page.lang;
    document.title = page.title;
    document.querySelector(".bar h1").textContent = page.heading;
    document.querySelector(".intro").textContent = page.intro;
    log.setAttribute("aria-label", page.messages_label);
    document.querySelector('label[for="text"]').textContent = page.input_label;
    input.placeholder = page.placeholder;
    sendButton.textContent = page.send;
    attachButton.setAttribute("aria-label", page.attach_label);
    attachButton.title = page.attach_label;
    otherLang.href = page.other_lang_href;
    otherLang.hreflang = page.other_lang_code;
    otherLang.textContent = page.other_lang;
    texts = page.texts;
    texts.pages = pages;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", page.lang === "en" ? "/?lang=en" : "/");
    }
  }

  // With a conversation under way, the language link switches the conversation's language
  // too (the current question is asked again in it); the page relabels from the answer.
  otherLang.addEventListener("click", function (event) {
    if (sessionTag === null || busy) return;
    event.preventDefault();
    var code = otherLang.getAttribute("hreflang") === "en" ? "en" : "zh_CN";
    submit({ button: "lang:" + code }, otherLang.textContent);
  });

  function enableLatest() {
    var latest = log.querySelectorAll('.turn[data-who="bot"][data-group="' + group + '"] button');
    for (var i = 0; i < latest.length; i++) latest[i].disabled = false;
  }

  function submit(message, shown) {
    if (busy) return;
    if (shown !== null) add({ who: "user", text: shown, buttons: [] });
    post(message, false);
  }

  function poll() {
    if (busy || polling || document.visibilityState === "hidden") return;
    polling = true;
    if (sessionTag === null) return;
    request("/api/chat/updates", {
      method: "GET",
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(
        function (result) {
          if (result.ok && result.data && Array.isArray(result.data.replies)) {
            showReplies(result.data.replies, true);
          }
        },
        function () {
          // offline: the next poll tries again, and messages wait on the server
        }
      )
      .finally(function () {
        polling = false;
      });
  }

  function growInput() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 160) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    growInput();
    submit({ text: text }, text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  input.addEventListener("input", growInput);

  attachButton.addEventListener("click", function () {
    if (!busy) fileInput.click();
  });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file || busy) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      showFailure(texts.too_big, null);
      return;
    }
    add({ who: "user", text: file.name, buttons: [] });
    upload(file, false);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") poll();
  });
  setInterval(poll, POLL_MS);

  function begin() {
    var saved = loadTranscript();
    if (saved.length) {
      transcript = saved;
      group = saved[saved.length - 1].group || 0;
      saved.forEach(function (entry) {
        render(entry, entry.who === "bot" && entry.group === group);
      });
      scrollToEnd();
      poll();
    } else {
      submit({ text: "/start" }, null);
    }
  }

  // Inside WeChat, a page not yet linked to the user's WeChat account goes through the
  // account's OAuth (silent, snsapi_base) once per tab; a failure comes back as ?wechat=failed
  // and is said in one line, never tried again by itself.
  var oauthFailed = /[?&]wechat=failed(&|$)/.test(window.location.search);

  function goToWechatOAuth() {
    if (oauthFailed || wechatBinding !== "unbound") return false;
    if (!/MicroMessenger/i.test(navigator.userAgent) || !tab || tab.getItem(OAUTH_KEY)) {
      return false;
    }
    tab.setItem(OAUTH_KEY, "1");
    var here = window.location.pathname + window.location.search;
    window.location.replace("/wechat/oauth?next=" + encodeURIComponent(here));
    return true;
  }

  function sayOAuthFailure() {
    if (!oauthFailed) return;
    showFailure(texts.wechat_failed, null);
    if (window.history && window.history.replaceState) {
      var query = window.location.search
        .replace(/([?&])wechat=failed(&|$)/, "$1")
        .replace(/[?&]$/, "");
      window.history.replaceState(null, "", window.location.pathname + query);
    }
  }

  // Without a session now (offline), the first message asks for one.
  startSession().then(
    function () {
      if (goToWechatOAuth()) return;
      begin();
      sayOAuthFailure();
    },
    function () {
      submit({ text: "/start" }, null);
    }
  );
})();
