"""The interactive API docs at /docs: Swagger UI, from a pinned release on a CDN, held to its hashes.

The browser checks each file against its SHA-384 (Subresource Integrity) before using it: a file the
CDN changed, by mistake or by attack, is refused, never run on this site.
"""

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

# jsDelivr serves the npm package's files byte for byte. To move to another release, take the hashes
# from its package: `npm pack swagger-ui-dist@VERSION`, then `openssl dgst -sha384 -binary FILE | base64`.
SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.36.0"
SCRIPT_INTEGRITY = "sha384-fUpRgC19yPykTqzdrUbdAg8NTiu16NEKf9U12J+IJWCg8/1mEI8f2+PEIz60Wyd+"
STYLESHEET_INTEGRITY = "sha384-z/AtSaOHGn5MJ5auAHXUypohywlIWLBZo1jeGmhdpVIbCnFhxAH92cwdV41oyINc"
# The app's policy, with Swagger UI's files let in (and the inline styles it sets on its elements).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI on this app's OpenAPI document (its start-up script is /static/api-docs.js, not inline)."""
    title = html.escape(f"{request.app.title} API")
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css" integrity="{STYLESHEET_INTEGRITY}" crossorigin="anonymous">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js" integrity="{SCRIPT_INTEGRITY}" crossorigin="anonymous"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
""",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )
