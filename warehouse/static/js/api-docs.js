// The API reference page: Swagger UI, self-hosted, reading the app's own openapi.json.
// "Try it out" runs as the signed-in user; writes carry the page's CSRF token.
(function () {
  "use strict";
  function start() {
    const element = document.getElementById("swagger-ui");
    if (!element || !window.SwaggerUIBundle) return;
    const csrf = document.querySelector('meta[name="csrf-token"]');
    window.SwaggerUIBundle({
      url: element.dataset.specUrl,
      domNode: element,
      deepLinking: false,  // a link inside each operation's button is a control in a control
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      defaultModelsExpandDepth: 0,
      // Its colour themes put some tokens below 4.5:1 on their dark background.
      syntaxHighlight: false,
      requestInterceptor: function (request) {
        if (csrf && request.method && request.method.toUpperCase() !== "GET") {
          request.headers["X-CSRFToken"] = csrf.content;
        }
        return request;
      },
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
