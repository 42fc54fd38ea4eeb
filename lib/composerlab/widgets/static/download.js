// Download buttons: ask the kernel for the file, then save it in one go (download.py makes it).
function render({ model, el }) {
  el.classList.add("cl-downloads", "cl-kit");
  const names = { mid: "MIDI", wav: "WAV", mp3: "MP3" };
  function draw() {
    el.innerHTML = `<span class="cl-label"></span> <span class="cl-buttons"></span> <span class="cl-message" role="status"></span>`;
    el.querySelector(".cl-label").textContent = model.get("label");
    for (const kind of model.get("kinds")) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `cl-download-${kind}`;
      button.textContent = names[kind] || kind;
      button.disabled = !model.get("enabled");
      button.addEventListener("click", () => {
        el.querySelector(".cl-message").textContent = `Preparing ${names[kind] || kind}\u2026`;
        model.send({ type: "download", kind });
      });
      el.querySelector(".cl-buttons").appendChild(button);
    }
    el.querySelector(".cl-message").textContent = model.get("message");
  }
  model.on("msg:custom", (content, buffers) => {
    if (content.type === "file") {
      const url = URL.createObjectURL(new Blob([buffers[0]], { type: content.mime }));
      const link = document.createElement("a");
      link.href = url;
      link.download = content.name;
      link.style.display = "none";
      el.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);  // the browser has the file long before
    }
    el.querySelector(".cl-message").textContent = content.text || "";
  });
  model.on("change:enabled", draw);
  model.on("change:message", () => { el.querySelector(".cl-message").textContent = model.get("message"); });
  draw();
}

export default { render };
