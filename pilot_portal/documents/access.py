"""Who else may download a document: its readers by purpose.

The uploader and the city's overseers always may (`policy`, "document.download"). An app
whose documents belong to something others see registers a reader for their purpose, e.g. a
project's evidence is readable by everyone who sees the project. The platform can't import the
apps, so they register here (from their AppConfig.ready).
"""

from collections.abc import Callable

Reader = Callable[[object, object, object], bool]  # (user, city, document) -> may read

READERS: dict[str, Reader] = {}


def document_reader(purpose: str):
    def register(func: Reader) -> Reader:
        READERS[purpose] = func
        return func

    return register


def may_read(user, city, document) -> bool:
    reader = READERS.get(document.purpose)
    return bool(reader and reader(user, city, document))
