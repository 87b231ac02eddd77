/* The comment form's toolbar, nic buttons and live preview. Everything here has a no-JavaScript fallback:
   the tags can be typed, and the nic and Preview buttons are ordinary submit buttons. */
"use strict";

(() => {
  const form = document.getElementById("comment-form");
  if (!form) return;
  const body = form.querySelector("textarea.comment-body");
  const nicInput = form.querySelector("input[name=nic]");
  const toolbar = form.querySelector(".toolbar");
  const picker = form.querySelector(".foto-picker");
  const livePreview = form.querySelector(".live-preview");
  const livePreviewBox = form.querySelector(".live-preview-box");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  const nicStatus = form.querySelector(".nic-status");
  const toolbarStatus = form.querySelector(".toolbar-status");

  // Said in the form, beside what it is about, as the no-JavaScript path says it: never a browser alert.
  function say(where, message) {
    where.textContent = message;
    where.hidden = !message;
  }

  toolbar.hidden = false;

  // The toolbar is one Tab stop; the arrow keys, Home and End move between its buttons (the WAI-ARIA toolbar
  // pattern), and the last button used keeps the stop.
  const toolButtons = Array.from(toolbar.querySelectorAll("button"));
  function rove(to) {
    toolButtons.forEach((button) => { button.tabIndex = button === to ? 0 : -1; });
    to.focus();
  }
  toolButtons.forEach((button, i) => { button.tabIndex = i === 0 ? 0 : -1; });
  toolbar.addEventListener("keydown", (event) => {
    const at = toolButtons.indexOf(document.activeElement);
    if (at < 0) return;
    const last = toolButtons.length - 1;
    const next = { ArrowRight: at === last ? 0 : at + 1, ArrowLeft: at === 0 ? last : at - 1, Home: 0, End: last }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    rove(toolButtons[next]);
  });
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button) toolButtons.forEach((b) => { b.tabIndex = b === button ? 0 : -1; });
  });

  // Replace the selection with before + selection + after, keeping the selection around the original text.
  function wrap(before, after, placeholder = "") {
    let start = body.selectionStart;
    let end = body.selectionEnd;
    let selected = body.value.slice(start, end);
    if (!selected && placeholder) {
      // Inserting a whole link or picture at the cursor: keep it apart from the word before.
      const space = spacer(start);
      body.setRangeText(space, start, end, "end");
      start = end = start + space.length;
      selected = placeholder;
    }
    body.setRangeText(before + selected + after, start, end, "preserve");
    body.setSelectionRange(start + before.length, start + before.length + selected.length);
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // A space before inserted markup when it would otherwise stick to the word before it.
  function spacer(position) {
    return position > 0 && !/\s/.test(body.value[position - 1]) ? " " : "";
  }

  // Insert text after the selection (or at the cursor), leaving what was selected alone.
  function insertAfterSelection(text) {
    const end = body.selectionEnd;
    body.setRangeText(spacer(end) + text, end, end, "end");
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function bullet() {
    const value = body.value;
    let start = body.selectionStart;
    const end = body.selectionEnd;
    start = value.lastIndexOf("\n", start - 1) + 1; // from the start of the first selected line
    const lines = value.slice(start, end).split("\n");
    const text = lines.map((line) => (line.startsWith("[*]") ? line : "[*] " + line)).join("\n");
    body.setRangeText(text, start, end, "end");
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function askUrl(question, suggestion) {
    const answer = window.prompt(question, suggestion || "https://");
    if (answer === null) return null;
    const url = answer.trim();
    if (!/^https?:\/\/\S+$/i.test(url)) {
      say(toolbarStatus, "Links must start with http:// or https://");
      return null;
    }
    say(toolbarStatus, "");
    return url;
  }

  function selectedText() {
    return body.value.slice(body.selectionStart, body.selectionEnd);
  }

  const actions = {
    b: () => wrap("[b]", "[/b]"),
    i: () => wrap("[i]", "[/i]"),
    u: () => wrap("[u]", "[/u]"),
    s: () => wrap("[s]", "[/s]"),
    "*": bullet,
    quote: () => wrap("[quote]", "[/quote]"),
    small: () => wrap("[small]", "[/small]"),
    big: () => wrap("[big]", "[/big]"),
    url: () => {
      const selected = selectedText();
      const url = askUrl("Link to which address?", /^https?:\/\//i.test(selected) ? selected : "");
      if (url) wrap(`[url=${url}]`, "[/url]", url);
      else body.focus();
    },
    squish: () => {
      if (selectedText()) return wrap("[squish]", "[/squish]");
      const url = askUrl("Which long address should be squished?");
      if (url) wrap("[squish]", "[/squish]", url);
      else body.focus();
    },
    img: () => {
      if (/^https?:\/\/\S+$/i.test(selectedText())) return wrap("[img]", "[/img]");
      const url = askUrl("Address of the picture?");
      if (url) insertAfterSelection(`[img]${url}[/img]`);
      else body.focus();
    },
    foto: () => {
      const select = picker.querySelector("select");
      if (!select.options.length) {
        say(toolbarStatus, "The picture library is empty.");
        body.focus();
        return;
      }
      picker.hidden = false;
      select.focus();
    },
  };

  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-tag]");
    if (button) actions[button.dataset.tag]();
  });

  // Keep the textarea's selection when a toolbar button is clicked with the mouse.
  toolbar.addEventListener("mousedown", (event) => {
    if (event.target.closest("button")) event.preventDefault();
  });

  picker.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (!action) return;
    picker.hidden = true;
    if (action === "insert-foto") insertAfterSelection(`[foto]${picker.querySelector("select").value}[/foto]`);
    else body.focus();
  });
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      picker.hidden = true;
      insertAfterSelection(`[foto]${picker.querySelector("select").value}[/foto]`);
    } else if (event.key === "Escape") {
      picker.hidden = true;
      body.focus();
    }
  });

  const shortcuts = { b: "b", i: "i", u: "u", k: "url" };
  body.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    const tag = shortcuts[event.key.toLowerCase()];
    if (!tag) return;
    event.preventDefault();
    actions[tag]();
  });

  function rememberedNic() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("rb_nic="));
    return cookie ? decodeURIComponent(cookie.slice("rb_nic=".length)) : "";
  }

  form.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !button.classList.contains("nic-button")) return;
    event.preventDefault();
    if (button.dataset.action === "original-nic") {
      const nic = rememberedNic();
      if (nic) nicInput.value = nic;
      say(nicStatus, nic ? "" : "This browser has not posted a comment yet, so there is no nic to restore.");
      nicInput.focus();
      return;
    }
    button.disabled = true;
    try {
      const response = await fetch(form.dataset.pickNicUrl, { credentials: "same-origin" });
      if (response.ok) {
        nicInput.value = (await response.json()).nic;
        say(nicStatus, ""); // a nic is in the field now: "no nic to restore" no longer applies
      }
    } finally {
      button.disabled = false;
      nicInput.focus();
    }
  });

  // Whatever the nic buttons said was about the field as it was; once the reader changes it, it is out of date.
  nicInput.addEventListener("input", () => say(nicStatus, ""));

  const previewButton = form.querySelector(".preview-button");
  previewButton.addEventListener("click", async (event) => {
    event.preventDefault();
    const data = new FormData();
    data.append("body", body.value);
    let result;
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrf.value },
        credentials: "same-origin",
      });
      // The preview answers JSON, its refusals included; anything else is a page from elsewhere in the stack (a
      // CSRF failure once the cookie is gone, a proxy's error page), which must not leave the reader with nothing.
      if ((response.headers.get("Content-Type") || "").includes("json")) {
        result = await response.json();
      } else if (response.status === 403) {
        result = { error: "The preview could not be made: this page's form has expired. Reload the page to get a fresh one (copy your text first)." };
      } else {
        result = { error: `The preview could not be made (the board answered ${response.status}). Your text is still in the box.` };
      }
    } catch (error) {
      result = { error: "The preview could not be made: the board could not be reached. Your text is still in the box." };
    }
    livePreviewBox.hidden = false;
    if (result.html !== undefined) {
      // HTML rendered and sanitised by the server's own comment renderer.
      livePreview.innerHTML = result.html;
    } else {
      livePreview.textContent = result.error || "The preview could not be made.";
    }
    // Below the buttons, a preview starts past the bottom of a laptop's screen: brought into view (the page does not
    // move when it is in view already; one taller than the screen is shown from its top).
    livePreviewBox.scrollIntoView({ block: "nearest" });
  });

  // A nic as a quote tag's option can hold it (comments/bbcode.py, quote_option): square brackets other than
  // simple pairs become round ones, or the tag would stay as text.
  const quoteOption = (nic) =>
    /^(?:[^[\]\n]|\[[^[\]\n]{0,100}\])*$/.test(nic) ? nic : nic.replace(/\[/g, "(").replace(/\]/g, ")");

  // A selection dragged across a comment often starts or ends inside a word ("...and s"), which the quote check
  // (comments/bbcode.py) would mark as words the commenter never wrote: it is widened to whole words. Scripts
  // written without spaces (bbcode.py's _NO_SPACES) match at any character, so they are left as selected.
  const NO_SPACES = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
  const inWord = (c) => c !== undefined && /[\p{L}\p{N}\p{M}_]/u.test(c) && !NO_SPACES.test(c);
  function widenToWords(selection) {
    const range = selection.getRangeAt(0).cloneRange();
    const start = range.startContainer;
    if (start.nodeType === Node.TEXT_NODE) {
      let i = range.startOffset;
      if (inWord(start.data[i])) while (inWord(start.data[i - 1])) i -= 1;
      range.setStart(start, i);
    }
    const end = range.endContainer;
    if (end.nodeType === Node.TEXT_NODE) {
      let i = range.endOffset;
      if (inWord(end.data[i - 1])) while (inWord(end.data[i])) i += 1;
      range.setEnd(end, i);
    }
    selection.removeAllRanges();
    selection.addRange(range);  // the reader sees what was quoted
  }

  // Quote: the selected part of a comment (or all of it) into the form as [quote=Nic#N], linked to the comment.
  // Without JavaScript the link asks the server for the page with the form filled in (?quote=N).
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a.quote-link");
    if (!link || !document.contains(body)) return;
    const comment = link.closest("article.comment");
    const text = comment && comment.querySelector(".comment-body");
    if (!text) return;
    event.preventDefault();
    const selection = window.getSelection();
    const nic = quoteOption(comment.querySelector(".nic").textContent.trim());
    let quote;
    if (selection && !selection.isCollapsed && text.contains(selection.anchorNode) && text.contains(selection.focusNode)) {
      widenToWords(selection);
      quote = `[quote=${nic}#${link.dataset.number}]${selection.toString().trim()}[/quote]\n`;
    } else {
      // The whole comment as its author typed it (its own quotes, links and pictures kept), which only the server
      // has: the no-JavaScript page puts it in the form, so the script reads it from there.
      quote = await quotedByServer(link.href);
      if (quote === null) quote = `[quote=${nic}#${link.dataset.number}]${text.innerText.trim()}[/quote]\n`;
    }
    const at = body.selectionEnd;
    body.setRangeText(quote, at, at, "end");
    body.dispatchEvent(new Event("input", { bubbles: true }));
    form.scrollIntoView({ block: "start" });
    body.focus();
  });

  async function quotedByServer(address) {
    try {
      const response = await fetch(address, { credentials: "same-origin" });
      if (!response.ok) return null;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const box = page.querySelector("#id_body");
      return box && box.value ? box.value : null;
    } catch (error) {
      return null;  // offline or refused: the text as shown will do
    }
  }

  // A refused post's page is the answer to a POST, at the form's address: reloading it would send the comment
  // again. So the address becomes the story's (a reload asks for the page afresh), and what was typed, with the
  // reason it was refused, waits in this tab's sessionStorage to be put back into the form by that reload. Without
  // JavaScript the page stays where it is, and the browser asks before sending the form again.
  const draftKey = `rb-draft:${form.dataset.storyUrl}`;
  const draftFields = ["nic", "email", "website", "body"];
  const arrival = (performance.getEntriesByType("navigation")[0] || {}).type;
  try {
    if (location.pathname === new URL(form.action).pathname) {
      const alert = form.querySelector("[role=alert]");
      const draft = { reason: alert ? alert.textContent.trim() : "" };
      for (const name of draftFields) draft[name] = form.elements[name].value;
      sessionStorage.setItem(draftKey, JSON.stringify(draft));
      history.replaceState(null, "", `${form.dataset.storyUrl}#comment-form`);
    } else {
      const draft = JSON.parse(sessionStorage.getItem(draftKey) || "null");
      sessionStorage.removeItem(draftKey);
      if (draft && (arrival === "reload" || arrival === "back_forward") && !body.value) {
        for (const name of draftFields) form.elements[name].value = draft[name] || "";
        const note = document.createElement("p");
        note.className = "form-error";
        note.setAttribute("role", "status");
        note.textContent = `Your comment was not posted${draft.reason ? `: ${draft.reason}` : "."} It is back in the form.`;
        form.querySelector("h3").after(note);
      }
    }
  } catch (error) {
    // No sessionStorage (a private window may refuse it): the page stays at the form's address, as without JavaScript.
  }

  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.name === "post") {
      // A second click while the first post is on its way does nothing (the server also posts a form once).
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      // For new-since.js on the page the post lands on: the comment it is sent to is this browser's own.
      try {
        sessionStorage.setItem(`rb-posted:${form.closest("#comments").dataset.story}`, "1");
      } catch (error) {
        /* no sessionStorage: the greeting's edit link still names the comment */
      }
    }
  });
})();
