"""The enterprise file (一企一档): an enterprise's documents, and the whole file as one zip.

* `services`: uploading a document (enterprise staff and the city), starting the bundle job.
* `selectors`: the documents a page or the API lists, one document for a download.
* `bundle`: the zip (summary PDF, attachments, history, manifest of SHA-256 hashes).
* `views`/`urls` (pages) and `api`/`api_urls` (/api/v1/).
"""
