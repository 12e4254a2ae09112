// Starts Swagger UI (web/api_docs.py loads it) on this app's OpenAPI document. No online validator:
// the document stays on this site.
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true });
