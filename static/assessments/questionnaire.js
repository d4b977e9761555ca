// The questionnaire: keep an exclusive "none" option apart from the others, and as the user
// answers, POST the form to the score preview and show what the server scored (the page never
// scores anything itself: the same rules.score that saves it answers). Without this script the
// form still saves and the page shows the saved score.
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form || !form.dataset.previewUrl) return;
  var panel = document.querySelector("#summary [data-summary-body]");
  var timer = null;
  var sent = 0; // the latest request; older answers arriving late are dropped

  // A ticked "none" unticks the question's other options; ticking another unticks "none".
  function keepExclusive(box) {
    if (box.type !== "checkbox" || !box.checked) return;
    var question = box.closest("[data-question]");
    if (!question) return;
    question.querySelectorAll("input[type=checkbox]").forEach(function (other) {
      if (other === box) return;
      if (box.dataset.exclusive || other.dataset.exclusive) other.checked = false;
    });
  }

  function answered(question) {
    return question.querySelector("input:checked") !== null;
  }

  // Mark what is still open at once (the count comes back with the preview).
  function markOpen(unanswered, unjudged) {
    form.querySelectorAll("[data-question]").forEach(function (question) {
      var open = unanswered ? unanswered.indexOf(question.dataset.question) >= 0 : !answered(question);
      question.classList.toggle("unanswered", open);
    });
    form.querySelectorAll("[data-scene]").forEach(function (scene) {
      var select = scene.querySelector("select");
      var open = unjudged ? unjudged.indexOf(scene.dataset.scene) >= 0 : !(select && select.value);
      scene.classList.toggle("unanswered", open);
    });
  }

  function preview() {
    var data = new FormData(form);
    // Files are saved with the form, not scored: leave them out of the preview.
    form.querySelectorAll("input[type=file]").forEach(function (input) { data.delete(input.name); });
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var mine = ++sent;
    form.setAttribute("aria-busy", "true");
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
    })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (reply) {
        if (mine !== sent) return;
        form.removeAttribute("aria-busy");
        if (!reply.ok) return; // the server names bad input when the form is saved
        if (panel && reply.body.html) panel.innerHTML = reply.body.html;
        markOpen(reply.body.unanswered, reply.body.unjudged);
      })
      .catch(function () {
        if (mine === sent) form.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "file") return;
    keepExclusive(target);
    markOpen();
    clearTimeout(timer);
    timer = setTimeout(preview, 200);
  });
})();
