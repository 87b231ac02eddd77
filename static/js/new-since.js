/* "New since your last visit": the highest comment number this browser has seen on a story is kept in the browser
   (localStorage), and on the next visit the comments above it are marked and counted. The page itself is the same
   for everyone (cached); without JavaScript or storage it is simply unmarked. */
"use strict";

(() => {
  const thread = document.getElementById("comments");
  if (!thread || !thread.dataset.story) return;
  const key = `rb-seen:${thread.dataset.story}`;
  const comments = Array.from(thread.querySelectorAll("article.comment[id^='c']"))
    .map((el) => ({ el, number: parseInt(el.id.slice(1), 10) }))
    .filter((c) => Number.isInteger(c.number));
  if (!comments.length) return;
  let seen = null;
  try {
    seen = localStorage.getItem(key);
  } catch (error) {
    return; // storage refused (a private window): nothing to compare with
  }
  const highest = Math.max(...comments.map((c) => c.number));
  if (seen !== null) {
    const own = ownComments();
    const fresh = comments.filter((c) => c.number > parseInt(seen, 10) && !own.has(c.number));
    fresh.forEach(({ el }) => {
      el.classList.add("comment-new");
      const label = document.createElement("span");
      label.className = "new-label";
      label.textContent = "new";
      el.querySelector(".comment-head time").after(" ", label);
    });
    if (fresh.length) {
      const notice = document.createElement("p");
      notice.className = "new-since";
      notice.setAttribute("role", "status");
      const link = document.createElement("a");
      link.href = `#${fresh[0].el.id}`;
      link.textContent = "jump to the first";
      notice.append(`${fresh.length} new since your last visit — `, link);
      comments[0].el.before(notice);
    }
  }
  try {
    localStorage.setItem(key, String(Math.max(highest, parseInt(seen || "0", 10))));
  } catch (error) {
    /* nothing kept: the next visit is unmarked */
  }

  // A comment this browser posted itself is never news to it: the one the greeting offers to edit, and the one a
  // post from this tab has just been sent back to (comments.js notes the posting; the server's redirect names the
  // comment in the address), which still counts when the greeting is left out of the page.
  function ownComments() {
    const own = new Set();
    const edit = document.querySelector(".greeting a[data-comment]");
    if (edit) own.add(parseInt(edit.dataset.comment, 10));
    try {
      const posting = `rb-posted:${thread.dataset.story}`;
      const landed = /^#c(\d+)$/.exec(location.hash);
      if (sessionStorage.getItem(posting) && landed) own.add(parseInt(landed[1], 10));
      sessionStorage.removeItem(posting);
    } catch (error) {
      /* no sessionStorage: the greeting alone says which comment is ours */
    }
    return own;
  }
})();
