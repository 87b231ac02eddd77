/* Admin: a Preview button under the story body that shows the lead note and body in the boxes now, as readers will
   see them, without saving. The server renders them (and checks the body as saving would). */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.querySelector("textarea.body-source");
  const leadNote = document.querySelector("[name=lead_note]");
  const target = document.querySelector(".rendered-preview");
  if (!body || !target) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button preview-button";
  button.textContent = "Preview";
  body.insertAdjacentElement("afterend", button);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  button.addEventListener("click", async () => {
    const data = new FormData();
    data.append("body", body.value);
    data.append("lead_note", leadNote ? leadNote.value : "");
    data.append("story", target.dataset.story || "");
    button.disabled = true;
    try {
      const response = await fetch(target.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        credentials: "same-origin",
      });
      // The server answers with HTML it rendered and sanitised itself: the preview, or why saving would refuse it.
      target.innerHTML = response.ok ? await response.text() : "<p>The preview could not be made.</p>";
      // The box showed the story as saved: said plainly that this is not it, so unsaved text does not look saved.
      const label = document.createElement("p");
      label.className = "preview-label help";
      label.textContent = "Preview of the boxes as they are now: not saved yet.";
      target.prepend(label);
    } finally {
      button.disabled = false;
    }
  });
});
