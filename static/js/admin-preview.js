/* Admin: a Preview button under the story body that renders what is in the box now, without saving. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.querySelector("textarea.body-source");
  const target = document.querySelector(".rendered-preview");
  if (!body || !target) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button preview-button";
  button.textContent = "Preview body";
  body.insertAdjacentElement("afterend", button);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  button.addEventListener("click", async () => {
    const data = new FormData();
    data.append("body", body.value);
    button.disabled = true;
    try {
      const response = await fetch(target.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        credentials: "same-origin",
      });
      // The server answers with HTML it rendered and sanitised itself.
      target.innerHTML = response.ok ? await response.text() : "<p>The preview could not be made.</p>";
    } finally {
      button.disabled = false;
    }
  });
});
