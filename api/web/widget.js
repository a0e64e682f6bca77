/*! Companin chat widget. Plain JavaScript, no dependencies.
 * <script src="https://HOST/widget.js" data-client-id="..." data-assistant-id="..."></script>
 * Optional: window.Companin.identify({userId, userHash}) for visitors the page's server vouches
 * for (userHash = hex HMAC-SHA256(userId, key = client secret)); Companin.open(), .close().
 * Or a token your server minted: data-token="..." data-token-callback="fnName", or
 * Companin.init({token, assistantId, onTokenExpired}); the callback answers the next token.
 */
(function () {
  "use strict";
  if (window.Companin && window.Companin.version) return; // loaded twice: keep the first

  var script = document.currentScript;
  if (!script || !script.src) return;
  var HOST = new URL(script.src, location.href).origin;
  var API = HOST + "/api/v1";
  var CLIENT_ID = script.getAttribute("data-client-id") || "";
  var ASSISTANT_ID = script.getAttribute("data-assistant-id") || "";
  var TITLE = script.getAttribute("data-title") || "";
  // A token the page's server minted, and how to ask the page for the next one.
  var supplied = null; // {token, renew}
  var callbackName = script.getAttribute("data-token-callback");
  if (script.getAttribute("data-token") || callbackName) {
    supplied = {
      token: script.getAttribute("data-token") || null,
      renew: callbackName
        ? function () {
            return window[callbackName]();
          }
        : null,
    };
    adoptClaims(supplied.token);
  }
  var KEY = storageKey();
  function storageKey() {
    return "companin:" + CLIENT_ID + ":" + ASSISTANT_ID;
  }
  // The claims of a token, read only to know its client, assistant, visitor and expiry: the
  // server checks it.
  function claims(value) {
    try {
      var part = String(value).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part + "===".slice((part.length + 3) % 4))) || {};
    } catch (e) {
      return {};
    }
  }
  function adoptClaims(value) {
    var c = claims(value);
    if (!CLIENT_ID && c.sub) CLIENT_ID = c.sub;
    if (!ASSISTANT_ID && c.widget && c.widget.asst) ASSISTANT_ID = c.widget.asst;
  }

  // ---- what survives a reload ------------------------------------------------------------
  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "{}") || {};
    } catch (e) {
      return {};
    }
  }
  function save() {
    try {
      localStorage.setItem(KEY, JSON.stringify(saved));
    } catch (e) {
      /* private mode or full storage: the widget still works for this page view */
    }
  }
  var saved = load(); // {visitor_id, user_id, session_id, conversation_id, rated}
  var identity = null; // {userId, userHash}
  var token = null; // {value, expiresAt}
  var busy = false;

  // ---- HTTP -----------------------------------------------------------------------------
  function Failure(status, code, detail, retryAfter) {
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
  function failure(res) {
    return res.json().then(
      function (body) {
        return new Failure(res.status, body.code || "", body.detail || "", res.headers.get("Retry-After"));
      },
      function () {
        return new Failure(res.status, "", "", res.headers.get("Retry-After"));
      }
    );
  }
  function call(method, path, body, extraHeaders) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token.value;
    for (var h in extraHeaders || {}) headers[h] = extraHeaders[h];
    return fetch(API + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      mode: "cors",
    }).then(
      function (res) {
        if (res.ok) return res;
        return failure(res).then(function (f) {
          throw f;
        });
      },
      function () {
        throw new Failure(0, "network_error", "");
      }
    );
  }
  function json(res) {
    return res.json();
  }

  function fetchToken() {
    if (supplied) return pageToken();
    var body = { client_id: CLIENT_ID };
    if (ASSISTANT_ID) body.assistant_id = ASSISTANT_ID;
    if (identity) {
      body.user_id = identity.userId;
      body.user_hash = identity.userHash;
    } else if (saved.user_id) {
      saved = {}; // the verified visitor left: their sessions are not this browser's anymore
      save();
    } else if (saved.visitor_id) {
      body.visitor_id = saved.visitor_id;
    }
    token = null;
    return call("POST", "/widget/token", body)
      .then(json)
      .then(function (t) {
        // Renewed a little before it expires (a tenth of its life, at most 30 s).
        var margin = Math.min(30, t.expires_in / 10);
        token = { value: t.token, expiresAt: Date.now() + (t.expires_in - margin) * 1000 };
        if (!t.authenticated) saved.visitor_id = t.visitor_id;
        save();
      });
  }
  // The page's token: the one it gave, else a new one from its callback.
  function pageToken() {
    var given = supplied.token;
    supplied.token = null;
    token = null;
    var next = given
      ? Promise.resolve(given)
      : supplied.renew
      ? Promise.resolve().then(supplied.renew)
      : Promise.reject(new Failure(401, "token_expired", ""));
    return next.then(function (t) {
      var value = t && typeof t === "object" ? t.token : t;
      if (!value) throw new Failure(401, "token_expired", "");
      var c = claims(value);
      var life = (c.exp || 0) - (c.iat || 0);
      var margin = Math.min(30, Math.max(0, life) / 10);
      token = { value: String(value), expiresAt: ((c.exp || 0) - margin) * 1000 };
      // Another visitor's token: the sessions kept here are not theirs.
      var visitor = c.widget && c.widget.vis;
      if (saved.token_visitor !== visitor) {
        saved = { token_visitor: visitor };
        save();
      }
    });
  }
  function ensureToken() {
    if (token && Date.now() < token.expiresAt) return Promise.resolve();
    return fetchToken();
  }
  // Runs `request` with a valid token; an expired or revoked token is renewed once.
  function authed(request) {
    return ensureToken()
      .then(request)
      .catch(function (f) {
        if (f.status !== 401) throw f;
        return fetchToken().then(request);
      });
  }

  function newSession() {
    return call("POST", "/sessions/", { assistant_id: ASSISTANT_ID })
      .then(json)
      .then(function (s) {
        saved.session_id = s.id;
        saved.conversation_id = null;
        saved.rated = false;
        save();
      });
  }
  // The stored session when it is still usable, else a new one.
  function ensureSession() {
    if (!saved.session_id) return newSession();
    return call("GET", "/sessions/" + encodeURIComponent(saved.session_id))
      .then(json)
      .then(function (s) {
        if (s.status !== "active") return newSession();
      })
      .catch(function (f) {
        if (f.status === 404 || f.status === 410) return newSession();
        throw f;
      });
  }

  // Reads a server-sent event stream, calling on(name, data) for each event.
  function readEvents(res, on) {
    var reader = res.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function dispatch(block) {
      var name = "message";
      var data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (!data.length) return;
      try {
        on(name, JSON.parse(data.join("\n")));
      } catch (e) {
        /* a malformed event is skipped, not fatal */
      }
    }
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) {
          if (buffer.trim()) dispatch(buffer);
          return;
        }
        buffer += decoder.decode(r.value, { stream: true }).replace(/\r\n?/g, "\n");
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        return pump();
      });
    }
    return pump();
  }

  // ---- the interface --------------------------------------------------------------------
  var CSS =
    ":host{all:initial;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328}" +
    "*{box-sizing:border-box}" +
    ".bubble{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#2f5bea;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}" +
    ".bubble svg{width:26px;height:26px;fill:currentColor}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:370px;max-width:calc(100vw - 40px);height:540px;max-height:calc(100vh - 120px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden;z-index:2147483000}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:#2f5bea;color:#fff;font-weight:600}" +
    "header button{background:none;border:0;color:inherit;font-size:20px;cursor:pointer;line-height:1}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:85%;padding:8px 11px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
    ".user{align-self:flex-end;background:#2f5bea;color:#fff}" +
    ".assistant{align-self:flex-start;background:#f1f3f6}" +
    ".sources{margin-top:6px;font-size:12px}.sources a{color:#2f5bea;display:block}.sources span{display:block}" +
    ".notice{align-self:center;font-size:12px;color:#8a1f11;background:#fdecea;padding:6px 10px;border-radius:8px}" +
    "form.ask{display:flex;gap:6px;padding:10px;border-top:1px solid #e3e6ea}" +
    "textarea{flex:1;resize:none;height:40px;padding:9px;border:1px solid #c9ced6;border-radius:8px;font:inherit}" +
    "button.send{border:0;border-radius:8px;background:#2f5bea;color:#fff;padding:0 14px;cursor:pointer;font:inherit}" +
    "button:disabled{opacity:.5;cursor:default}" +
    ".rate{padding:8px 10px;border-top:1px solid #e3e6ea;font-size:12px}" +
    ".rate .stars{display:inline-flex;gap:2px;margin-left:6px}" +
    ".rate .stars button{border:1px solid #c9ced6;background:#fff;border-radius:6px;width:28px;height:26px;cursor:pointer;font:inherit}" +
    ".rate .stars button[aria-pressed=true]{background:#2f5bea;color:#fff}" +
    ".rate input{width:100%;margin-top:6px;padding:6px;border:1px solid #c9ced6;border-radius:6px;font:inherit}" +
    ".rate .submit{margin-top:6px;border:0;border-radius:6px;background:#2f5bea;color:#fff;padding:5px 10px;cursor:pointer}" +
    ":focus-visible{outline:2px solid #f5a623;outline-offset:2px}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var a in attrs || {}) node.setAttribute(a, attrs[a]);
    if (text) node.textContent = text;
    return node;
  }

  // ---- interface texts: the assistant's language, else the browser's, else English --------
  var TEXTS = {
    en: {
      open: "Open chat", close: "Close chat", chat: "Chat", message: "Your message",
      placeholder: "Ask a question\u2026", send: "Send", sources: "Sources:", source: "Source",
      rate: "Rate this conversation", outOf: "{n} out of 5", comment: "Comment (optional)",
      sendRating: "Send rating", thanks: "Thank you for your feedback!",
      tooFast: "You're sending messages too quickly. Please wait {wait} and try again.",
      aMoment: "a moment", network: "Network problem: check your connection and try again.",
      expired: "Your session expired; a new one was started.",
      origin: "This site is not allowed to use this chat.",
      inactive: "The assistant is not available right now.",
      failed: "Something went wrong. Please try again.",
    },
    es: {
      open: "Abrir el chat", close: "Cerrar el chat", chat: "Chat", message: "Tu mensaje",
      placeholder: "Haz una pregunta\u2026", send: "Enviar", sources: "Fuentes:", source: "Fuente",
      rate: "Valora esta conversación", outOf: "{n} de 5", comment: "Comentario (opcional)",
      sendRating: "Enviar valoración", thanks: "¡Gracias por tu opinión!",
      tooFast: "Estás enviando mensajes demasiado rápido. Espera {wait} y vuelve a intentarlo.",
      aMoment: "un momento", network: "Problema de red: revisa tu conexión y vuelve a intentarlo.",
      expired: "Tu sesión caducó; se ha iniciado una nueva.",
      origin: "Este sitio no tiene permiso para usar este chat.",
      inactive: "El asistente no está disponible en este momento.",
      failed: "Algo salió mal. Vuelve a intentarlo.",
    },
    pt: {
      open: "Abrir o chat", close: "Fechar o chat", chat: "Chat", message: "A sua mensagem",
      placeholder: "Faça uma pergunta\u2026", send: "Enviar", sources: "Fontes:", source: "Fonte",
      rate: "Avalie esta conversa", outOf: "{n} de 5", comment: "Comentário (opcional)",
      sendRating: "Enviar avaliação", thanks: "Obrigado pela sua opinião!",
      tooFast: "Está a enviar mensagens depressa demais. Aguarde {wait} e tente novamente.",
      aMoment: "um momento", network: "Problema de rede: verifique a ligação e tente novamente.",
      expired: "A sua sessão expirou; foi iniciada uma nova.",
      origin: "Este site não tem permissão para usar este chat.",
      inactive: "O assistente não está disponível de momento.",
      failed: "Algo correu mal. Tente novamente.",
    },
    fr: {
      open: "Ouvrir le chat", close: "Fermer le chat", chat: "Chat", message: "Votre message",
      placeholder: "Posez une question\u2026", send: "Envoyer", sources: "Sources :", source: "Source",
      rate: "Évaluez cette conversation", outOf: "{n} sur 5", comment: "Commentaire (facultatif)",
      sendRating: "Envoyer l'évaluation", thanks: "Merci pour votre avis !",
      tooFast: "Vous envoyez des messages trop vite. Patientez {wait} puis réessayez.",
      aMoment: "un instant", network: "Problème de réseau : vérifiez votre connexion et réessayez.",
      expired: "Votre session a expiré ; une nouvelle a été ouverte.",
      origin: "Ce site n'est pas autorisé à utiliser ce chat.",
      inactive: "L'assistant n'est pas disponible pour le moment.",
      failed: "Une erreur s'est produite. Veuillez réessayer.",
    },
    de: {
      open: "Chat öffnen", close: "Chat schließen", chat: "Chat", message: "Ihre Nachricht",
      placeholder: "Stellen Sie eine Frage\u2026", send: "Senden", sources: "Quellen:", source: "Quelle",
      rate: "Bewerten Sie dieses Gespräch", outOf: "{n} von 5", comment: "Kommentar (optional)",
      sendRating: "Bewertung senden", thanks: "Vielen Dank für Ihr Feedback!",
      tooFast: "Sie senden Nachrichten zu schnell. Bitte warten Sie {wait} und versuchen Sie es erneut.",
      aMoment: "einen Moment", network: "Netzwerkproblem: Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
      expired: "Ihre Sitzung ist abgelaufen; eine neue wurde gestartet.",
      origin: "Diese Website darf diesen Chat nicht verwenden.",
      inactive: "Der Assistent ist gerade nicht verfügbar.",
      failed: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
    },
  };
  // The catalogue of a BCP-47 tag (`es-MX` reads Spanish), or null.
  function catalogue(tag) {
    var primary = String(tag || "").split(/[-_]/)[0].toLowerCase();
    return Object.prototype.hasOwnProperty.call(TEXTS, primary) ? primary : null;
  }
  var lang = catalogue(navigator.language) || "en";
  function t(key, values) {
    var text = TEXTS[lang][key];
    Object.keys(values || {}).forEach(function (k) {
      text = text.replace("{" + k + "}", values[k]);
    });
    return text;
  }

  // ---- the widget -------------------------------------------------------------------------
  var host = el("companin-widget");
  var root = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  var bubble = el("button", {
    class: "bubble",
    type: "button",
    "aria-label": t("open"),
    "aria-expanded": "false",
    "aria-controls": "companin-panel",
  });
  bubble.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';
  var panel = el("div", { class: "panel", id: "companin-panel", role: "dialog", "aria-modal": "false" });
  panel.hidden = true;
  var header = el("header");
  var title = el("span", { id: "companin-title" }, TITLE || t("chat"));
  panel.setAttribute("aria-labelledby", "companin-title");
  var closer = el("button", { type: "button", class: "close", "aria-label": t("close") }, "\u00d7");
  header.appendChild(title);
  header.appendChild(closer);
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
  var form = el("form", { class: "ask" });
  var input = el("textarea", { rows: "1", "aria-label": t("message"), placeholder: t("placeholder"), maxlength: "4000" });
  var send = el("button", { type: "submit", class: "send" }, t("send"));
  form.appendChild(input);
  form.appendChild(send);
  var rate = el("div", { class: "rate", hidden: "" });
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(rate);
  panel.appendChild(form);
  root.appendChild(style);
  root.appendChild(bubble);
  root.appendChild(panel);

  // The assistant's language, once its configuration is read: every label follows it.
  function setLanguage(tag) {
    var chosen = catalogue(tag);
    if (!chosen || chosen === lang) return;
    lang = chosen;
    panel.setAttribute("lang", lang);
    bubble.setAttribute("aria-label", panel.hidden ? t("open") : t("close"));
    closer.setAttribute("aria-label", t("close"));
    input.setAttribute("aria-label", t("message"));
    input.setAttribute("placeholder", t("placeholder"));
    send.textContent = t("send");
    if (!TITLE && title.textContent === TEXTS.en.chat) title.textContent = t("chat");
  }
  panel.setAttribute("lang", lang);

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }
  function addMessage(role, text) {
    var node = el("div", { class: "msg " + role }, text);
    log.appendChild(node);
    scrollDown();
    return node;
  }
  function notice(text) {
    var node = el("div", { class: "notice", role: "alert" }, text);
    log.appendChild(node);
    scrollDown();
  }
  function showSources(node, sources) {
    var old = node.querySelector(".sources");
    if (old) old.remove();
    if (!sources || !sources.length) return;
    var box = el("div", { class: "sources" }, t("sources"));
    var seen = {};
    sources.forEach(function (s) {
      var label = s.title || s.source || t("source");
      var key = (s.source || "") + "|" + label;
      if (seen[key]) return;
      seen[key] = true;
      var link;
      if (s.source && /^https?:\/\//i.test(s.source)) {
        link = el("a", { href: s.source, target: "_blank", rel: "noopener noreferrer" }, label);
      } else {
        link = el("span", { class: "source" }, label);
      }
      box.appendChild(link);
    });
    node.appendChild(box);
  }
  function explain(f) {
    if (f.status === 429) {
      var wait = parseInt(f.retryAfter, 10);
      return t("tooFast", { wait: wait > 0 ? wait + " s" : t("aMoment") });
    }
    if (f.status === 0) return t("network");
    if (f.code === "session_expired") return t("expired");
    if (f.code === "origin_not_allowed") return t("origin");
    if (f.code === "assistant_inactive") return t("inactive");
    // The server's details are in English: said as they are only to an English interface.
    return (lang === "en" && f.detail) || t("failed");
  }

  // ---- rating -----------------------------------------------------------------------------
  function showRating() {
    if (!saved.conversation_id || saved.rated) {
      rate.hidden = true;
      return;
    }
    rate.textContent = "";
    rate.hidden = false;
    var chosen = 0;
    var label = el("span", { id: "companin-rate-label" }, t("rate"));
    var stars = el("div", { class: "stars", role: "group", "aria-labelledby": "companin-rate-label" });
    var comment = el("input", { type: "text", "aria-label": t("comment"), placeholder: t("comment"), maxlength: "5000", hidden: "" });
    var submit = el("button", { type: "button", class: "submit", hidden: "" }, t("sendRating"));
    for (var i = 1; i <= 5; i++) {
      (function (n) {
        var b = el("button", { type: "button", "aria-label": t("outOf", { n: n }), "aria-pressed": "false", "data-rating": String(n) }, String(n));
        b.addEventListener("click", function () {
          chosen = n;
          Array.prototype.forEach.call(stars.children, function (s) {
            s.setAttribute("aria-pressed", String(Number(s.getAttribute("data-rating")) === n));
          });
          comment.hidden = false;
          submit.hidden = false;
        });
        stars.appendChild(b);
      })(i);
    }
    submit.addEventListener("click", function () {
      if (!chosen) return;
      submit.disabled = true;
      var body = { rating: chosen };
      if (comment.value.trim()) body.comment = comment.value.trim();
      authed(function () {
        return call("POST", "/conversations/" + encodeURIComponent(saved.conversation_id) + "/feedback", body);
      }).then(
        function () {
          saved.rated = true;
          save();
          rate.textContent = t("thanks");
          rate.setAttribute("role", "status");
        },
        function (f) {
          submit.disabled = false;
          notice(explain(f));
        }
      );
    });
    rate.appendChild(label);
    rate.appendChild(stars);
    rate.appendChild(comment);
    rate.appendChild(submit);
  }

  // ---- conversation -----------------------------------------------------------------------
  var started = null;
  // First opening: token, public config, session, and the kept conversation.
  function start() {
    if (started) return started;
    started = authed(function () {
      var q = ASSISTANT_ID ? "?assistant_id=" + encodeURIComponent(ASSISTANT_ID) : "";
      return call("GET", "/widget/config" + q).then(json);
    })
      .then(function (config) {
        setLanguage(config.language);
        if (!TITLE) title.textContent = config.name;
        if (config.greeting) addMessage("assistant", config.greeting);
        return ensureSession();
      })
      .then(restore)
      .catch(function (f) {
        started = null;
        notice(explain(f));
      });
    return started;
  }
  function restore() {
    if (!saved.conversation_id) return;
    var path = "/conversations/" + encodeURIComponent(saved.conversation_id) + "/messages?limit=100";
    return call("GET", path)
      .then(json)
      .then(function (page) {
        page.items.forEach(function (m) {
          var node = addMessage(m.role === "user" ? "user" : "assistant", m.content);
          if (m.role !== "user") showSources(node, m.sources);
        });
        showRating();
      })
      .catch(function (f) {
        if (f.status !== 404) throw f;
        saved.conversation_id = null;
        save();
      });
  }

  function ask(text, retried) {
    var reply = addMessage("assistant", "");
    reply.setAttribute("aria-busy", "true");
    var body = { session_id: saved.session_id, message: text, stream: true };
    if (saved.conversation_id) body.conversation_id = saved.conversation_id;
    return authed(function () {
      return call("POST", "/conversations/send-message", body, { Accept: "text/event-stream" });
    })
      .then(function (res) {
        var failed = null;
        return readEvents(res, function (name, data) {
          if (name === "delta") {
            reply.insertBefore(document.createTextNode(data.text), reply.querySelector(".sources"));
            scrollDown();
          } else if (name === "sources") {
            showSources(reply, data.sources);
          } else if (name === "done") {
            if (saved.conversation_id !== data.conversation_id) saved.rated = false;
            saved.conversation_id = data.conversation_id;
            save();
          } else if (name === "error") {
            failed = new Failure(data.status_code, data.code, data.detail);
          }
        }).then(function () {
          if (failed) throw failed;
        });
      })
      .then(function () {
        reply.removeAttribute("aria-busy");
        showRating();
      })
      .catch(function (f) {
        reply.remove();
        if (!retried && (f.code === "session_expired" || (f.status === 404 && f.code === "not_found"))) {
          return newSession().then(function () {
            notice(explain({ code: "session_expired" }));
            return ask(text, true);
          });
        }
        notice(explain(f));
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    busy = true;
    send.disabled = true;
    input.value = "";
    addMessage("user", text);
    start()
      .then(function () {
        // Without a session, start() has already said why.
        if (saved.session_id) return ask(text, false);
      })
      .catch(function (f) {
        notice(explain(f || {}));
      })
      .then(function () {
        busy = false;
        send.disabled = false;
        input.focus();
      });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : send.click();
    }
  });

  function open() {
    panel.hidden = false;
    bubble.setAttribute("aria-expanded", "true");
    bubble.setAttribute("aria-label", t("close"));
    input.focus();
    start();
  }
  function close() {
    panel.hidden = true;
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-label", t("open"));
    bubble.focus();
  }
  bubble.addEventListener("click", function () {
    panel.hidden ? open() : close();
  });
  closer.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") close();
  });

  function mount() {
    document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.Companin = {
    version: "__COMPANIN_VERSION__",
    open: open,
    close: close,
    // Starts (or restarts) the widget with a token the page's server minted; onTokenExpired
    // answers the next one (or a promise of it).
    init: function (options) {
      var o = options || {};
      if (!o.token && !o.onTokenExpired) throw new Error("Companin.init needs {token} or {onTokenExpired}");
      supplied = { token: o.token || null, renew: o.onTokenExpired || null };
      if (o.assistantId) ASSISTANT_ID = String(o.assistantId);
      adoptClaims(o.token);
      KEY = storageKey();
      saved = load();
      identity = null;
      token = null;
      started = null;
      log.textContent = "";
      rate.hidden = true;
      if (!panel.hidden) start();
    },
    // A visitor the page's server vouches for: their sessions follow them across devices.
    identify: function (who) {
      if (!who || !who.userId || !who.userHash) throw new Error("Companin.identify needs {userId, userHash}");
      identity = { userId: String(who.userId), userHash: String(who.userHash) };
      if (saved.user_id !== identity.userId) {
        saved = { user_id: identity.userId };
        save();
        log.textContent = "";
        rate.hidden = true;
      }
      token = null;
      started = null;
      if (!panel.hidden) start();
    },
  };
})();
