"""The security headers' fixed policies, each reviewed as a whole in one place;
liens/settings.py imports these names (the HTTPS switches read from the environment stay there).
"""

# Content-Security-Policy (django-csp): only the site's own scripts, styles, images and fonts;
# no inline script, no inline style, no plugin, never framed. Templates load static files and
# mark elements with classes and data- attributes; the API docs page widens the policy for
# itself only (liens.views.ApiDocsView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The installable web app: its service worker (/sw.js) and manifest, from the site only.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Browser features no page uses (the site locates people by postcode, never by the device).
PERMISSIONS_POLICY = dict.fromkeys(
    [
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    ],
    (),
)
