"""Chinese first: the browser's Accept-Language does not pick the page language.

Officials' browsers are often set to English by default; the portal speaks Chinese
unless the user chose English with the language switch (a cookie Django's
LocaleMiddleware reads). The API follows the same rule.
"""


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
