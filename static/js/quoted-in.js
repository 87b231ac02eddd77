/* "Quoted in #7, #12" under each comment: the later comments whose checked quotes (comments/bbcode.py) name it,
   found in the thread itself by the page's script, so the page stays the same for everyone (cached) and no write has
   to touch the comment quoted. Only a comment's own quotes count, not quotes inside them, nor quotes shown in red.
   Without JavaScript there is no list; each quote still links to its source. */
"use strict";

(() => {
  const thread = document.getElementById("comments");
  if (!thread) return;
  const quotedIn = new Map(); // a comment's number -> the numbers of the comments quoting it, in thread order
  for (const comment of thread.querySelectorAll("article.comment[id^='c']")) {
    const from = parseInt(comment.id.slice(1), 10);
    const sources = comment.querySelectorAll(".comment-body > blockquote > cite:not(.unmatched) a[href^='#c']");
    for (const source of sources) {
      const to = parseInt(source.getAttribute("href").slice(2), 10);
      if (!Number.isInteger(from) || !Number.isInteger(to) || to === from) continue;
      const quoting = quotedIn.get(to) || [];
      if (!quoting.includes(from)) quoting.push(from);
      quotedIn.set(to, quoting);
    }
  }
  for (const [to, quoting] of quotedIn) {
    const quoted = document.getElementById(`c${to}`);
    if (!quoted) continue;
    const note = document.createElement("p");
    note.className = "quoted-in";
    note.append("Quoted in ");
    quoting.forEach((number, i) => {
      if (i) note.append(", ");
      const link = document.createElement("a");
      link.href = `#c${number}`;
      link.textContent = `#${number}`;
      note.append(link);
    });
    quoted.append(note);
  }
})();
