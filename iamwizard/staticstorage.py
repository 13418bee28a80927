"""Production's static files storage: WhiteNoise's hashed, compressed and long-cached files, each
stylesheet and script stored minified (iamwizard/core/minify.py) before it is hashed and compressed.
static/ keeps the commented sources, which development serves as they are."""
from django.core.files.base import ContentFile
from whitenoise.storage import CompressedManifestStaticFilesStorage

from iamwizard.core.minify import minify_css, minify_js

_MINIFIERS = {".css": minify_css, ".js": minify_js}


class MinifiedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def _save(self, name, content):
        minify = _MINIFIERS.get(name[name.rfind(".") :]) if "." in name else None
        if minify and not name.endswith((".min.css", ".min.js")):
            content.seek(0)  # the manifest has read it once already, for its hash
            content = ContentFile(minify(content.read().decode("utf-8")).encode("utf-8"))
        return super()._save(name, content)
