// recmock's Swagger UI page: start Swagger UI 5 on this spec, pre-authorize with the
// credentials the server put in the page, and sign plugNmeet requests in the browser.
// The config is inline JSON (see recmock/server/swagger.py); Swagger UI itself comes from
// the swagger-ui-py package.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("recmock-config").textContent);
  document.getElementById("recmock-note").textContent = config.note;

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // plugNmeet's HASH-SIGNATURE: hex HMAC-SHA256 of the exact body bytes, keyed with the secret.
  // fetch() sends a string body as UTF-8, so TextEncoder yields exactly the bytes on the wire.
  async function hmacHex(secret, text) {
    const encoder = new TextEncoder();
    const key = await crypto.subtle.importKey(
      "raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  }

  // Replace the placeholder the page pre-authorized with; a value the user typed is sent as is,
  // so a wrong signature can be tried too.
  async function sign(request) {
    const signing = config.signing;
    if (!signing || request.loadSpec) return request;
    const headers = request.headers || {};
    const name = Object.keys(headers).find(
      (h) => h.toLowerCase() === signing.header.toLowerCase());
    if (name === undefined || headers[name] !== signing.placeholder) return request;
    if (!(window.crypto && crypto.subtle)) {
      throw new Error("recmock: this page needs WebCrypto (open it on localhost or 127.0.0.1)");
    }
    const body = typeof request.body === "string" ? request.body : "";
    headers[name] = await hmacHex(signing.secret, body);
    return request;
  }

  function preauthorize(ui) {
    for (const [scheme, pair] of Object.entries(config.basic || {})) {
      ui.preauthorizeBasic(scheme, pair[0], pair[1]);
    }
    for (const [scheme, value] of Object.entries(config.apiKey || {})) {
      ui.preauthorizeApiKey(scheme, value);
    }
  }

  window.ui = SwaggerUIBundle({
    url: config.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "full",
    displayRequestDuration: true,
    requestInterceptor: (request) => {
      // The page sends its own Authorization header; without cookies or browser-held credentials
      // a 401 with `WWW-Authenticate: Basic` (SignalWire's) is shown, not a browser login prompt.
      if (!request.loadSpec) request.credentials = "omit";
      return sign(request);
    },
    onComplete: () => preauthorize(window.ui),
  });
})();
